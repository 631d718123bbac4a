// Each conversation's message sequence lives on its row: seq is taken there, and unread counts read it.
import type { Migration } from '../postgres.ts'

export const conversationsSequence: Migration = {
  version: 4,
  name: 'conversations-sequence',
  async up(sql) {
    // The last seq handed out; a message is stored under it right after, so unread = last_seq - last_read_seq.
    await sql`alter table conversations add column last_seq bigint not null default 0`
    await sql`alter table conversation_members add check (last_read_seq >= 0)`
  },
}
