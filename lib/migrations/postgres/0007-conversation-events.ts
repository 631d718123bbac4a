// Each conversation numbers its events (messages, edits, deletes, reactions, membership) gap-free on its row.
import type { Migration } from '../postgres.ts'

export const conversationEvents: Migration = {
  version: 7,
  name: 'conversation-events',
  async up(sql) {
    /*
     * The last event number handed out. Messages stored before this migration have none: the event log starts at
     * the first event after it, and history by seq still holds everything older.
     */
    await sql`alter table conversations add column last_event bigint not null default 0`
    // A retry answers with the event number its first attempt took, so the log holds each message once.
    await sql`alter table message_keys add column event bigint`

    /*
     * reserve_message of migration 6, now also taking the message's event number in the same update of the
     * conversation row, and naming the members who blocked the sender in a group (they get the message hidden).
     */
    await sql`drop function reserve_message(uuid, uuid, text, uuid, text)`
    await sql`
      create function reserve_message(
        p_conversation_id uuid, p_sender_id uuid, p_client_msg_id text, p_peer_id uuid, p_direct_key text
      ) returns table (verdict text, conversation_type text, seq bigint, event bigint, retry boolean,
                       member_ids text[], hidden_from text[])
      language plpgsql as $$
      declare
        found_type text;
        sender_active boolean;
        taken bigint;
        taken_event bigint;
      begin
        if p_peer_id is not null then
          perform open_direct(p_conversation_id, p_sender_id, p_peer_id, p_direct_key);
        end if;
        select c.type, u.status = 'active' into found_type, sender_active
        from conversations c
        join conversation_members m on m.conversation_id = c.id and m.user_id = p_sender_id
        join users u on u.id = p_sender_id
        where c.id = p_conversation_id
        for update of c;
        if not found then
          -- By the other user's id, an absent conversation means they may not message each other.
          return query select case when p_peer_id is null then 'not_found' else 'forbidden' end,
                              'direct'::text, null::bigint, null::bigint, false, null::text[], null::text[];
          return;
        end if;

        if not (case when found_type = 'group' then sender_active
                     else exists (select 1 from conversation_members o
                                  where o.conversation_id = p_conversation_id and o.user_id <> p_sender_id
                                    and may_message(p_sender_id, o.user_id)) end) then
          return query select 'forbidden'::text, found_type, null::bigint, null::bigint, false, null::text[],
                              null::text[];
          return;
        end if;

        select k.seq, k.event into taken, taken_event from message_keys k
        where k.conversation_id = p_conversation_id and k.sender_id = p_sender_id
          and k.client_msg_id = p_client_msg_id;
        if found then
          retry := true;
        else
          retry := false;
          update conversations c
          set last_seq = c.last_seq + 1, last_event = c.last_event + 1,
              last_message_at = greatest(c.last_message_at, now())
          where c.id = p_conversation_id
          returning c.last_seq, c.last_event into taken, taken_event;
          insert into message_keys (conversation_id, sender_id, client_msg_id, seq, event)
          values (p_conversation_id, p_sender_id, p_client_msg_id, taken, taken_event);
          update conversation_members m set last_read_seq = greatest(m.last_read_seq, taken)
          where m.conversation_id = p_conversation_id and m.user_id = p_sender_id;
        end if;

        return query select 'ok'::text, found_type, taken, taken_event, retry,
          array(select x.user_id::text from conversation_members x join users u on u.id = x.user_id
                where x.conversation_id = p_conversation_id and u.status = 'active'),
          array(select b.blocker_id::text from blocks b
                join conversation_members x on x.conversation_id = p_conversation_id and x.user_id = b.blocker_id
                where found_type = 'group' and b.blocked_id = p_sender_id);
      end
      $$`
  },
}
