// Web Push subscriptions (one row per browser endpoint) and each user's push settings.
import type { Migration } from '../postgres.ts'

export const pushSubscriptions: Migration = {
  version: 8,
  name: 'push-subscriptions',
  async up(sql) {
    // An endpoint names one browser profile: registered again (another account signed in there), it changes hands.
    await sql`
      create table push_subscriptions (
        id uuid primary key default gen_random_uuid(),
        user_id uuid not null references users (id) on delete cascade,
        endpoint text not null,
        p256dh text not null,
        auth text not null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )`
    await sql`create unique index push_subscriptions_endpoint_key on push_subscriptions (endpoint)`
    await sql`create index push_subscriptions_user_idx on push_subscriptions (user_id, updated_at desc)`
    // No row: the defaults (no body preview in a push).
    await sql`
      create table push_settings (
        user_id uuid primary key references users (id) on delete cascade,
        show_preview boolean not null default false,
        updated_at timestamptz not null default now()
      )`
  },
}
