// A send checked, numbered and recognised as a retry in one statement; messages kept under `_id`s made of their seq.
import type { Migration } from '../postgres.ts'
import { rewriteMessages } from './0006-rewrite-messages.ts'

export const messageKeys: Migration = {
  version: 6,
  name: 'message-keys',
  async up(sql, db) {
    // Each sent clientMsgId and the seq it was given: a retry finds its seq here by primary key, at any depth.
    await sql`
      create table message_keys (
        conversation_id uuid not null references conversations (id) on delete cascade,
        sender_id uuid not null references users (id) on delete cascade,
        client_msg_id text not null,
        seq bigint not null check (seq > 0),
        primary key (conversation_id, sender_id, client_msg_id)
      )`

    // Which conversations hold a message attaching an upload, for the download check.
    await sql`
      create table message_attachments (
        upload_key text not null,
        conversation_id uuid not null references conversations (id) on delete cascade,
        primary key (upload_key, conversation_id)
      )`

    /*
     * One round trip for everything a send must know before its message is stored. It opens the pair's direct
     * conversation when sent by the other user's id, locks the conversation row (concurrent sends to it, two copies
     * of one send included, queue here; each statement below sees what the one before it committed), checks
     * membership and the friendship rule, and then either finds the retry key's seq or takes the next seq, records
     * the key and moves the sender's read marker to it. A retry takes no seq, so retries leave no gap.
     * Delivery goes to active members only.
     */
    await sql`
      create function reserve_message(
        p_conversation_id uuid, p_sender_id uuid, p_client_msg_id text, p_peer_id uuid, p_direct_key text
      ) returns table (verdict text, conversation_type text, seq bigint, retry boolean, member_ids text[])
      language plpgsql as $$
      declare
        found_type text;
        sender_active boolean;
        taken bigint;
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
                              'direct'::text, null::bigint, false, null::text[];
          return;
        end if;

        if not (case when found_type = 'group' then sender_active
                     else exists (select 1 from conversation_members o
                                  where o.conversation_id = p_conversation_id and o.user_id <> p_sender_id
                                    and may_message(p_sender_id, o.user_id)) end) then
          return query select 'forbidden'::text, found_type, null::bigint, false, null::text[];
          return;
        end if;

        select k.seq into taken from message_keys k
        where k.conversation_id = p_conversation_id and k.sender_id = p_sender_id
          and k.client_msg_id = p_client_msg_id;
        if found then
          retry := true;
        else
          retry := false;
          update conversations c set last_seq = c.last_seq + 1, last_message_at = greatest(c.last_message_at, now())
          where c.id = p_conversation_id
          returning c.last_seq into taken;
          insert into message_keys (conversation_id, sender_id, client_msg_id, seq)
          values (p_conversation_id, p_sender_id, p_client_msg_id, taken);
          update conversation_members m set last_read_seq = greatest(m.last_read_seq, taken)
          where m.conversation_id = p_conversation_id and m.user_id = p_sender_id;
        end if;

        return query select 'ok'::text, found_type, taken, retry,
          array(select x.user_id::text from conversation_members x join users u on u.id = x.user_id
                where x.conversation_id = p_conversation_id and u.status = 'active');
      end
      $$`

    await rewriteMessages(sql, db)
  },
}
