// The user's conversations, most recent first, each with its last message and unread count; one in detail.
import type { Db } from 'mongodb'
import { NotFoundError } from '../errors.ts'
import { timeCursor } from '../http/cursor.ts'
import {
  hiddenView,
  lastMessageOf,
  type Message,
  type MessageDocument,
  messageView,
  storeFault,
} from '../messages/store.ts'
import type { ConversationListQuery as ListQuery } from '../protocol/http/conversations.ts'
import type { Page } from '../protocol/shared.ts'
import type { Sql } from '../stores/postgres.ts'
import type { PublicProfile } from '../users/accounts.ts'
import type { ConversationType, MemberRole } from './access.ts'

export interface ConversationSummary {
  id: string
  type: ConversationType
  name: string | null
  ownerId: string | null
  /** The caller's role. */
  role: MemberRole
  memberCount: number
  /** The other person of a direct conversation. */
  peer: PublicProfile | null
  lastSeq: number
  lastReadSeq: number
  unreadCount: number
  lastMessage: Message | null
  lastMessageAt: Date | null
  createdAt: Date
}

export interface Member extends PublicProfile {
  role: MemberRole
  joinedAt: Date
  lastReadSeq: number
}

export interface ConversationDetail extends ConversationSummary {
  members: Member[]
}

type SummaryRow = Omit<ConversationSummary, 'lastSeq' | 'lastReadSeq' | 'unreadCount' | 'lastMessage'> & {
  lastSeq: string
  lastReadSeq: string
  activityAt: string
  /** In a group, the members the caller blocked: their last message is shown hidden. */
  hides: string[]
}

function summaryRows(sql: Sql, userId: string, where: ReturnType<Sql>, limit: number) {
  return sql<SummaryRow[]>`
    select c.id::text, c.type, c.name, c.owner_id::text as "ownerId", m.role,
           c.created_at as "createdAt", c.last_message_at as "lastMessageAt",
           c.last_seq::text as "lastSeq", m.last_read_seq::text as "lastReadSeq",
           (select count(*)::int from conversation_members x where x.conversation_id = c.id) as "memberCount",
           case when c.type = 'direct' then (
             select json_build_object('id', u.id, 'username', u.username, 'displayName', u.display_name)
             from conversation_members o join users u on u.id = o.user_id
             where o.conversation_id = c.id and o.user_id <> m.user_id) end as peer,
           (extract(epoch from coalesce(c.last_message_at, c.created_at)) * 1000000)::bigint::text as "activityAt",
           array(select b.blocked_id::text from blocks b
                 where c.type = 'group' and b.blocker_id = m.user_id) as hides
    from conversation_members m
    join conversations c on c.id = m.conversation_id
    where m.user_id = ${userId} and ${where}
    order by coalesce(c.last_message_at, c.created_at) desc, c.id desc
    limit ${limit}`
}

/** Each conversation's last message, all looked up side by side by `_id`. */
async function lastMessages(mongo: Db, rows: readonly SummaryRow[]): Promise<Map<string, MessageDocument>> {
  try {
    const last = await Promise.all(rows.map((row) => lastMessageOf(mongo, row.id, Number(row.lastSeq))))
    return new Map(last.flatMap((message) => (message ? [[message.conversationId, message]] : [])))
  } catch (error) {
    throw storeFault(error, 'Conversations cannot be listed right now; retry shortly.')
  }
}

function summaryOf({ activityAt: _, hides, ...row }: SummaryRow, last: MessageDocument | undefined) {
  const lastSeq = Number(row.lastSeq)
  const lastMessage = last ? messageView(last) : null
  const lastReadSeq = Number(row.lastReadSeq)
  return {
    ...row,
    lastSeq,
    lastReadSeq,
    unreadCount: Math.max(0, lastSeq - lastReadSeq),
    lastMessage: lastMessage && last && hides.includes(last.senderId) ? hiddenView(lastMessage) : lastMessage,
  }
}

export async function listConversations(
  ctx: { sql: Sql; mongo: Db },
  userId: string,
  query: ListQuery,
): Promise<Page<ConversationSummary>> {
  const after = query.cursor ? timeCursor.decode(query.cursor) : undefined
  const { sql } = ctx
  const rows = await summaryRows(
    sql,
    userId,
    after
      ? sql`(coalesce(c.last_message_at, c.created_at), c.id)
          < (timestamptz 'epoch' + ${after.at}::bigint * interval '1 microsecond', ${after.id}::uuid)`
      : sql`true`,
    query.limit + 1,
  )
  const page = rows.slice(0, query.limit)
  const last = await lastMessages(ctx.mongo, page)
  const more = rows.length > query.limit ? page.at(-1) : undefined
  return {
    items: page.map((row) => summaryOf(row, last.get(row.id))),
    nextCursor: more ? timeCursor.encode({ at: more.activityAt, id: more.id }) : null,
  }
}

/** One conversation with its members; a non-member hears "not found". */
export async function conversationDetail(
  ctx: { sql: Sql; mongo: Db },
  userId: string,
  conversationId: string,
): Promise<ConversationDetail> {
  const { sql } = ctx
  const [rows, members] = await Promise.all([
    summaryRows(sql, userId, sql`c.id = ${conversationId}`, 1),
    sql<(Omit<Member, 'lastReadSeq'> & { lastReadSeq: string })[]>`
      select u.id::text, u.username, u.display_name as "displayName", m.role, m.joined_at as "joinedAt",
             m.last_read_seq::text as "lastReadSeq"
      from conversation_members m join users u on u.id = m.user_id
      where m.conversation_id = ${conversationId}
        and exists (select 1 from conversation_members me
                    where me.conversation_id = m.conversation_id and me.user_id = ${userId})
      order by m.joined_at, u.id`,
  ])
  const [row] = rows
  if (!row) throw new NotFoundError('No such conversation.')
  const last = await lastMessages(ctx.mongo, rows)
  return {
    ...summaryOf(row, last.get(row.id)),
    members: members.map((member) => ({ ...member, lastReadSeq: Number(member.lastReadSeq) })),
  }
}
