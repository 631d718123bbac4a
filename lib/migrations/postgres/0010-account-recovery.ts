// Verified emails, single-use account tokens (verify, reset, OAuth exchange), OAuth flows and linked identities.
import type { Migration } from '../postgres.ts'

export const accountRecovery: Migration = {
  version: 10,
  name: 'account-recovery',
  async up(sql) {
    // Accounts that existed before stay unverified: a verification that never happened must not let a provider
    // account link to them.
    await sql`alter table users add column email_verified_at timestamptz`
    // An account made by a provider sign-in has no password until its owner sets one through a reset.
    await sql`alter table users alter column password_hash drop not null`

    // Only the SHA-256 of a token is kept; the token itself exists in one mail or one redirect.
    await sql`
      create table account_tokens (
        token_hash bytea primary key,
        purpose text not null check (purpose in ('verify_email', 'password_reset', 'oauth_exchange')),
        user_id uuid not null references users (id) on delete cascade,
        email text,
        created_at timestamptz not null default now(),
        expires_at timestamptz not null,
        used_at timestamptz
      )`
    await sql`create index account_tokens_user on account_tokens (user_id, purpose)`

    // One row per started sign-in: what the callback must find again, bound to the browser that started it.
    await sql`
      create table oauth_flows (
        state_hash bytea primary key,
        provider text not null,
        browser_hash bytea not null,
        code_verifier text not null,
        nonce text,
        redirect text not null,
        created_at timestamptz not null default now(),
        expires_at timestamptz not null
      )`

    await sql`
      create table oauth_identities (
        provider text not null,
        subject text not null,
        user_id uuid not null references users (id) on delete cascade,
        email text not null,
        created_at timestamptz not null default now(),
        primary key (provider, subject)
      )`
    await sql`create index oauth_identities_user on oauth_identities (user_id)`
  },
}
