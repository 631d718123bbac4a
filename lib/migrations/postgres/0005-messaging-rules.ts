// The rules a send checks, as database functions, so that the one statement of a send can run them.
import type { Migration } from '../postgres.ts'

export const messagingRules: Migration = {
  version: 5,
  name: 'messaging-rules',
  async up(sql) {
    // Accepted friends, both active, no block either way: the one definition every send, group change and direct
    // conversation checks (lib/conversations/access.ts `mayMessage` calls it).
    await sql`
      create function may_message(me uuid, other uuid) returns boolean
      language sql stable as $$
        select exists (
          select 1 from friendships f
          join users ul on ul.id = f.user_low and ul.status = 'active'
          join users uh on uh.id = f.user_high and uh.status = 'active'
          where f.user_low = least(me, other) and f.user_high = greatest(me, other)
            and f.status = 'accepted'
            and not exists (
              select 1 from blocks b
              where (b.blocker_id = me and b.blocked_id = other) or (b.blocker_id = other and b.blocked_id = me)))
      $$`

    // The pair's direct conversation with both members, created only while the two may message each other;
    // opening it (POST /conversations) and sending by the other user's id both go through here.
    await sql`
      create function open_direct(p_conversation_id uuid, p_me uuid, p_other uuid, p_direct_key text)
      returns table (allowed boolean, created boolean)
      language plpgsql as $$
      begin
        allowed := may_message(p_me, p_other);
        created := false;
        if allowed then
          insert into conversations (id, type, direct_key) values (p_conversation_id, 'direct', p_direct_key)
          on conflict do nothing;
          created := found;
          if created then
            insert into conversation_members (conversation_id, user_id)
            values (p_conversation_id, p_me), (p_conversation_id, p_other);
          end if;
        end if;
        return next;
      end
      $$`
  },
}
