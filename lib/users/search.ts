// User search by username and display name: prefix and trigram (fuzzy) matches, best first, keyset-paginated.
import * as z from 'zod'
import { cursorCodec } from '../http/cursor.ts'
import type { SearchQuery } from '../protocol/http/users.ts'
import type { Page } from '../protocol/shared.ts'
import type { Sql } from '../stores/postgres.ts'
import type { PublicProfile } from './accounts.ts'

const searchCursor = cursorCodec(
  z.strictObject({ score: z.string().regex(/^\d{1,2}\.\d{1,6}$|^\d{1,2}$/), id: z.uuid() }),
)

// LIKE treats % and _ as wildcards; a search for "a_b" means those characters.
const likeEscaped = (text: string) => text.replace(/[\\%_]/g, (char) => `\\${char}`)

/**
 * Ranks an exact username first, then username prefixes, display-name prefixes (whole or of a word), then
 * trigram similarity; the trigram GIN indexes on lower(username) and lower(display_name) serve every branch.
 * Excludes inactive users, the searcher, and anyone the searcher blocked or who blocked the searcher.
 */
export async function searchUsers(
  sql: Sql,
  searcherId: string,
  query: SearchQuery,
): Promise<Page<PublicProfile>> {
  const q = query.q.normalize('NFC').toLowerCase()
  const prefix = `${likeEscaped(q)}%`
  const wordPrefix = `% ${prefix}`
  const after = query.cursor ? searchCursor.decode(query.cursor) : undefined
  const rows = await sql<(PublicProfile & { score: string })[]>`
    with matches as (
      select u.id, u.username, u.display_name as "displayName",
        round(greatest(
          case when lower(u.username) = ${q} then 3
               when lower(u.username) like ${prefix} then 2 + similarity(lower(u.username), ${q})
               else 0 end,
          case when lower(u.display_name) like ${prefix} then 1.5 + similarity(lower(u.display_name), ${q})
               when lower(u.display_name) like ${wordPrefix} then 1.2 + similarity(lower(u.display_name), ${q})
               else 0 end,
          similarity(lower(u.username), ${q}),
          similarity(lower(u.display_name), ${q})
        )::numeric, 6) as score
      from users u
      where u.status = 'active' and u.id <> ${searcherId}
        and (lower(u.username) like ${prefix} or lower(u.display_name) like ${prefix}
             or lower(u.display_name) like ${wordPrefix}
             or lower(u.username) % ${q} or lower(u.display_name) % ${q})
        and not exists (
          select 1 from blocks b
          where (b.blocker_id = u.id and b.blocked_id = ${searcherId})
             or (b.blocker_id = ${searcherId} and b.blocked_id = u.id))
    )
    select id, username, "displayName", score::text as score from matches
    where ${after ? sql`score < ${after.score}::numeric or (score = ${after.score}::numeric and id > ${after.id})` : sql`true`}
    order by score desc, id asc
    limit ${query.limit + 1}`
  const items = rows
    .slice(0, query.limit)
    .map(({ id, username, displayName }) => ({ id, username, displayName }))
  const last = rows.length > query.limit ? rows[query.limit - 1] : undefined
  return { items, nextCursor: last ? searchCursor.encode({ score: last.score, id: last.id }) : null }
}
