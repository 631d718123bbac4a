// Delivered receipts: each member's cumulative delivery marker, and the senders of a range of seqs found by index.
import type { Migration } from '../postgres.ts'

export const deliveryMarkers: Migration = {
  version: 9,
  name: 'delivery-markers',
  async up(sql) {
    // Moved only by the member's own acknowledgement, never by a send: a message writes no row per member.
    await sql`
      alter table conversation_members
        add column delivered_seq bigint not null default 0 check (delivered_seq >= 0)`
    // An acknowledgement tells the senders of the seqs it covers: one index entry per message, none per member.
    await sql`create index message_keys_conversation_seq on message_keys (conversation_id, seq)`
  },
}
