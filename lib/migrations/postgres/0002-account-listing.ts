// The administrators' account list pages newest first; this index serves its keyset without sorting the table.
import type { Migration } from '../postgres.ts'

export const accountListing: Migration = {
  version: 2,
  name: 'account-listing',
  async up(sql) {
    await sql`create index users_created_id on users (created_at desc, id desc)`
  },
}
