// Web Push subscriptions in PostgreSQL: registered after the endpoint check, removed by their owner or when gone.
import { NotFoundError } from '../errors.ts'
import type { PushSettings, PushSubscription, SubscriptionInput } from '../protocol/http/push.ts'
import type { Sql } from '../stores/postgres.ts'
import { checkEndpoint, type EndpointPolicy, type Resolve } from './endpoints.ts'

export interface PushSubscriptionRow {
  id: string
  userId: string
  endpoint: string
  p256dh: string
  auth: string
}

/** Browsers a user keeps subscribed at once; registering one more forgets the least recently registered. */
export const maxSubscriptionsPerUser = 10

export interface RegisterContext {
  sql: Sql
  policy: EndpointPolicy
  resolve?: Resolve
}

/**
 * Checks the endpoint (origin and every resolved address) and stores it for `userId`. The same endpoint registered
 * again keeps its id and takes the new keys and owner; `created` says whether it is new.
 */
export async function registerSubscription(
  ctx: RegisterContext,
  userId: string,
  input: SubscriptionInput,
): Promise<{ subscription: PushSubscription; created: boolean }> {
  await checkEndpoint(ctx.policy, input.endpoint, ctx.resolve)
  return ctx.sql.begin(async (tx) => {
    const [row] = await tx<{ id: string; createdAt: Date; created: boolean }[]>`
      insert into push_subscriptions (user_id, endpoint, p256dh, auth)
      values (${userId}, ${input.endpoint}, ${input.keys.p256dh}, ${input.keys.auth})
      on conflict (endpoint) do update
        set user_id = excluded.user_id, p256dh = excluded.p256dh, auth = excluded.auth, updated_at = now()
      returning id, created_at as "createdAt", (xmax = 0) as created`
    if (!row) throw new Error('push subscription upsert returned no row')
    await tx`
      delete from push_subscriptions
      where id in (select id from push_subscriptions where user_id = ${userId}
                   order by updated_at desc, id offset ${maxSubscriptionsPerUser})`
    return {
      subscription: { id: row.id, endpoint: input.endpoint, createdAt: row.createdAt.toISOString() },
      created: row.created,
    }
  })
}

/** Removes one of the caller's subscriptions; anyone else's id, or an unknown one, is not found. */
export async function removeSubscription(sql: Sql, userId: string, id: string): Promise<void> {
  const rows = await sql`delete from push_subscriptions where id = ${id} and user_id = ${userId} returning id`
  if (rows.length === 0) throw new NotFoundError('No such push subscription.')
}

/** Forgets a subscription its push service answered 404 or 410 for, unless it was registered again since. */
export async function forgetGoneSubscription(sql: Sql, subscription: PushSubscriptionRow): Promise<void> {
  await sql`
    delete from push_subscriptions
    where id = ${subscription.id} and endpoint = ${subscription.endpoint} and p256dh = ${subscription.p256dh}`
}

export interface PushTargets {
  subscriptions: PushSubscriptionRow[]
  showPreview: boolean
}

/** An active user's subscriptions and whether their pushes may carry a preview of the body, in one statement. */
export async function pushTargetsOf(sql: Sql, userId: string): Promise<PushTargets> {
  const rows = await sql<(PushSubscriptionRow & { showPreview: boolean })[]>`
    select s.id, s.user_id as "userId", s.endpoint, s.p256dh, s.auth,
           coalesce(p.show_preview, false) as "showPreview"
    from push_subscriptions s
    join users u on u.id = s.user_id and u.status = 'active'
    left join push_settings p on p.user_id = s.user_id
    where s.user_id = ${userId}`
  return {
    subscriptions: rows.map(({ showPreview: _, ...subscription }) => subscription),
    showPreview: rows[0]?.showPreview ?? false,
  }
}

export async function pushSettingsOf(sql: Sql, userId: string): Promise<PushSettings> {
  const [row] = await sql<PushSettings[]>`
    select show_preview as "showPreview" from push_settings where user_id = ${userId}`
  return row ?? { showPreview: false }
}

export async function savePushSettings(
  sql: Sql,
  userId: string,
  settings: PushSettings,
): Promise<PushSettings> {
  await sql`
    insert into push_settings (user_id, show_preview) values (${userId}, ${settings.showPreview})
    on conflict (user_id) do update set show_preview = excluded.show_preview, updated_at = now()`
  return settings
}
