// Users and roles, refresh tokens, friendships and blocks, conversations and their members.
import type { Migration } from '../postgres.ts'

export const identityAndSocial: Migration = {
  version: 1,
  name: 'identity-and-social',
  async up(sql) {
    await sql`create extension if not exists pg_trgm`

    await sql`
      create table roles (
        name text primary key,
        description text not null
      )`
    await sql`
      create table role_permissions (
        role text not null references roles (name) on delete cascade,
        permission text not null,
        primary key (role, permission)
      )`
    await sql`
      insert into roles (name, description) values
        ('user', 'A member of the service'),
        ('admin', 'Manages accounts and roles')`
    await sql`
      insert into role_permissions (role, permission) values
        ('admin', 'users:list'),
        ('admin', 'users:update-role'),
        ('admin', 'users:disable')`

    await sql`
      create table users (
        id uuid primary key default gen_random_uuid(),
        email text not null,
        username text not null,
        display_name text not null,
        password_hash text not null,
        role text not null default 'user' references roles (name),
        status text not null default 'active' check (status in ('active', 'disabled', 'deleted')),
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )`
    await sql`create unique index users_email_key on users (lower(email))`
    await sql`create unique index users_username_key on users (lower(username))`
    await sql`create index users_username_trgm on users using gin (lower(username) gin_trgm_ops)`
    await sql`create index users_display_name_trgm on users using gin (lower(display_name) gin_trgm_ops)`

    await sql`
      create table refresh_tokens (
        id uuid primary key default gen_random_uuid(),
        family_id uuid not null,
        user_id uuid not null references users (id) on delete cascade,
        token_hash bytea not null unique,
        created_at timestamptz not null default now(),
        expires_at timestamptz not null,
        used_at timestamptz,
        revoked_at timestamptz,
        user_agent text,
        ip text
      )`
    await sql`create index refresh_tokens_family on refresh_tokens (family_id)`
    await sql`create index refresh_tokens_user on refresh_tokens (user_id)`

    // One row per unordered pair, so "A asks B" and "B asks A" meet on the same primary key.
    await sql`
      create table friendships (
        user_low uuid not null references users (id) on delete cascade,
        user_high uuid not null references users (id) on delete cascade,
        status text not null check (status in ('pending', 'accepted')),
        requested_by uuid not null references users (id) on delete cascade,
        created_at timestamptz not null default now(),
        accepted_at timestamptz,
        primary key (user_low, user_high),
        check (user_low < user_high),
        check (requested_by in (user_low, user_high))
      )`
    await sql`create index friendships_high on friendships (user_high, status)`

    await sql`
      create table blocks (
        blocker_id uuid not null references users (id) on delete cascade,
        blocked_id uuid not null references users (id) on delete cascade,
        created_at timestamptz not null default now(),
        primary key (blocker_id, blocked_id),
        check (blocker_id <> blocked_id)
      )`
    await sql`create index blocks_blocked on blocks (blocked_id)`

    await sql`
      create table conversations (
        id uuid primary key default gen_random_uuid(),
        type text not null check (type in ('direct', 'group')),
        name text,
        owner_id uuid references users (id) on delete set null,
        -- "<lower user id>:<higher user id>" for direct conversations: one per pair.
        direct_key text unique,
        created_at timestamptz not null default now(),
        last_message_at timestamptz,
        check ((type = 'direct') = (direct_key is not null)),
        check (type = 'direct' or name is not null)
      )`
    await sql`
      create table conversation_members (
        conversation_id uuid not null references conversations (id) on delete cascade,
        user_id uuid not null references users (id) on delete cascade,
        role text not null default 'member' check (role in ('owner', 'admin', 'member')),
        joined_at timestamptz not null default now(),
        last_read_seq bigint not null default 0,
        primary key (conversation_id, user_id)
      )`
    await sql`create index conversation_members_user on conversation_members (user_id)`
  },
}
