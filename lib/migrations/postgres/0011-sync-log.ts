// What each user should have seen, in commit order: every conversation event and user event, by the transaction
// that committed it, so GET /sync can answer "everything since this cursor" from one indexed read.
import type { Migration } from '../postgres.ts'

export const syncLog: Migration = {
  version: 11,
  name: 'sync-log',
  async up(sql) {
    /*
     * One row per event, none per member: a conversation event names its conversation and number (and a message's
     * seq), a user event (friend request, acceptance) its addressee and the frame they were sent. `xid` is the
     * writing transaction; a cursor is a snapshot, and "since the cursor" is "committed, and not visible in it".
     */
    await sql`
      create table sync_log (
        id bigint generated always as identity primary key,
        xid xid8 not null default pg_current_xact_id(),
        at timestamptz not null default now(),
        conversation_id uuid references conversations (id) on delete cascade,
        event bigint,
        seq bigint,
        user_id uuid references users (id) on delete cascade,
        frame jsonb,
        check ((conversation_id is not null and event is not null and user_id is null and frame is null)
               or (conversation_id is null and event is null and user_id is not null and frame is not null))
      )`
    await sql`create index sync_log_conversation on sync_log (conversation_id, xid) where conversation_id is not null`
    await sql`create index sync_log_user on sync_log (user_id, xid) where user_id is not null`
    await sql`create index sync_log_at on sync_log (at)`

    /*
     * When each user was in each conversation, by event number: from the first event after they joined (their own
     * member.added) to the one that removed them (member.removed), so a member sees what happened while they were
     * in and a removed one nothing after. Rows from before this migration start at 0.
     */
    await sql`
      create table conversation_spans (
        user_id uuid not null references users (id) on delete cascade,
        conversation_id uuid not null references conversations (id) on delete cascade,
        from_event bigint not null,
        to_event bigint,
        primary key (user_id, conversation_id, from_event)
      )`
    await sql`
      insert into conversation_spans (user_id, conversation_id, from_event)
      select user_id, conversation_id, 0 from conversation_members`

    /*
     * Triggers, because event numbers and memberships are taken in several places (reserve_message, takeEvents,
     * open_direct, the group changes) and the log must miss none of them. Both run under the conversation row's
     * lock that taking a number holds, so the log's ids follow the event numbers within a conversation.
     */
    await sql`
      create function log_conversation_events() returns trigger language plpgsql as $$
      begin
        insert into sync_log (conversation_id, event, seq)
        select new.id, n, case when n = new.last_event and new.last_seq > old.last_seq then new.last_seq end
        from generate_series(old.last_event + 1, new.last_event) as n;
        return null;
      end
      $$`
    await sql`
      create trigger conversations_sync_log after update of last_event on conversations
      for each row when (new.last_event > old.last_event) execute function log_conversation_events()`
    await sql`
      create function open_conversation_span() returns trigger language plpgsql as $$
      begin
        insert into conversation_spans (user_id, conversation_id, from_event)
        select new.user_id, new.conversation_id, c.last_event + 1 from conversations c where c.id = new.conversation_id
        on conflict do nothing;
        return null;
      end
      $$`
    await sql`
      create trigger conversation_members_span_open after insert on conversation_members
      for each row execute function open_conversation_span()`
    await sql`
      create function close_conversation_span() returns trigger language plpgsql as $$
      begin
        update conversation_spans s set to_event = c.last_event + 1
        from conversations c
        where c.id = old.conversation_id and s.conversation_id = old.conversation_id and s.user_id = old.user_id
          and s.to_event is null;
        return null;
      end
      $$`
    await sql`
      create trigger conversation_members_span_close after delete on conversation_members
      for each row execute function close_conversation_span()`

    // The key that signs cursors, so a forged one is told apart from an expired one by nothing it claims.
    await sql`
      create table sync_cursor_key (
        only_row boolean primary key default true check (only_row),
        secret text not null default replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')
      )`
    await sql`insert into sync_cursor_key default values`
  },
}
