// Creates the first administrator (or promotes an account): `tsx infra/local/create-admin.ts --email e --username u`.
// The password comes from ADMIN_PASSWORD or is typed at a prompt, never from the command line where `ps` shows it.
import { resolve } from 'node:path'
import { createInterface } from 'node:readline/promises'
import { parseArgs } from 'node:util'
import { MongoClient } from 'mongodb'
import postgres from 'postgres'
import { z } from 'zod'
import { mongoAudit } from '../../lib/audit/log.ts'
import { isAppError } from '../../lib/errors.ts'
import { createAdmin, newAdminInput, promoteToAdmin } from '../../lib/users/create-admin.ts'
import { liveRuntime } from './runtime-file.ts'

const usage = `usage: create-admin --email <email> --username <name> [--display-name <name>]
       create-admin --promote <email or username>
Uses DATABASE_URL and MONGO_URL (MONGO_DB, default chat), else those of a running \`npm run dev\`;
the password from ADMIN_PASSWORD or a prompt.`

async function askPassword(): Promise<string> {
  if (process.env.ADMIN_PASSWORD) return process.env.ADMIN_PASSWORD
  const prompt = createInterface({ input: process.stdin, output: process.stdout, terminal: true })
  const answer = prompt.question('Password: ')
  // The prompt is out; swallowing what readline echoes from here keeps the password off the screen.
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = (() => true) as typeof process.stdout.write
  try {
    return await answer
  } finally {
    process.stdout.write = write
    prompt.close()
    write('\n')
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      email: { type: 'string' },
      username: { type: 'string' },
      'display-name': { type: 'string' },
      promote: { type: 'string' },
    },
  })
  // A running `npm run dev` supplies its stores when the environment names none.
  const running = process.env.DATABASE_URL
    ? undefined
    : await liveRuntime(resolve(process.env.DATA_DIR ?? '.data'))
  const { DATABASE_URL, MONGO_URL, MONGO_DB = 'chat' } = { ...running?.env, ...process.env }
  if (!DATABASE_URL || !MONGO_URL || (!values.promote && !(values.email && values.username))) {
    console.error(usage)
    process.exit(2)
  }
  const sql = postgres(DATABASE_URL, { max: 1, onnotice: () => {} })
  const mongo = await new MongoClient(MONGO_URL, { serverSelectionTimeoutMS: 5_000 }).connect()
  const audit = mongoAudit(async () => mongo.db(MONGO_DB), {
    ip: 'local',
    userAgent: 'create-admin',
    requestId: `create-admin-${Date.now()}`,
  })
  try {
    const account = values.promote
      ? await promoteToAdmin({ sql, audit }, values.promote)
      : await createAdmin(
          { sql, audit },
          newAdminInput.parse({
            email: values.email,
            username: values.username,
            password: await askPassword(),
            ...(values['display-name'] ? { displayName: values['display-name'] } : {}),
          }),
        )
    console.log(`admin ready: ${account.username} (${account.id})`)
  } finally {
    await sql.end({ timeout: 5 })
    await mongo.close()
  }
}

main().catch((error: unknown) => {
  if (error instanceof z.ZodError) console.error(`create-admin:\n${z.prettifyError(error)}`)
  else console.error(isAppError(error) || error instanceof Error ? `create-admin: ${error.message}` : error)
  process.exit(1)
})
