// Creates the first administrator (or promotes an account): `tsx infra/local/create-admin.ts --email e --username u`.
// With --stage, through the stage's create-admin function (its database is private); `--stage local` does the
// same through a running `npm run dev`. The password comes from ADMIN_PASSWORD or is typed at a prompt, never
// from the command line where `ps` shows it.
import { resolve } from 'node:path'
import { createInterface } from 'node:readline/promises'
import { parseArgs } from 'node:util'
import { LambdaClient } from '@aws-sdk/client-lambda'
import { MongoClient } from 'mongodb'
import postgres from 'postgres'
import * as z from 'zod'
import { mongoAudit } from '../../lib/audit/log.ts'
import { isAppError } from '../../lib/errors.ts'
import { createAdmin, newAdminInput, promoteToAdmin } from '../../lib/users/create-admin.ts'
import { invokeOperatorFunction } from './operator-invoke.ts'
import { liveRuntime } from './runtime-file.ts'

const usage = `usage: create-admin [--stage <stage>] --email <email> --username <name> [--display-name <name>]
       create-admin [--stage <stage>] --promote <email or username>
With --stage, invokes that stage's create-admin function with your AWS credentials (--stage local: the one
of a running \`npm run dev\`). Without, uses DATABASE_URL and MONGO_URL (MONGO_DB, default chat), else those
of a running \`npm run dev\`. The password comes from ADMIN_PASSWORD or a prompt.`

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
      stage: { type: 'string' },
    },
  })
  if (values.stage) return viaStage(values.stage, values)
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

/** Through the stage's create-admin function, as an operator of a deployed stage must (its database is private). */
async function viaStage(
  stage: string,
  values: { email?: string; username?: string; 'display-name'?: string; promote?: string },
) {
  if (!values.promote && !(values.email && values.username)) {
    console.error(usage)
    process.exit(2)
  }
  let lambda = new LambdaClient({})
  if (stage === 'local') {
    const running = await liveRuntime(resolve(process.env.DATA_DIR ?? '.data'))
    if (!running?.lambdaEndpoint) throw new Error('--stage local needs a running `npm run dev`')
    lambda = new LambdaClient({
      endpoint: running.lambdaEndpoint,
      region: running.env.AWS_REGION ?? 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    })
  }
  const request = values.promote
    ? { promote: values.promote }
    : newAdminInput.parse({
        email: values.email,
        username: values.username,
        password: await askPassword(),
        ...(values['display-name'] ? { displayName: values['display-name'] } : {}),
      })
  const account = await invokeOperatorFunction<{ id: string; username: string }>(
    lambda,
    stage,
    'createAdmin',
    request,
  )
  console.log(`admin ready on ${stage}: ${account.username} (${account.id})`)
}

main().catch((error: unknown) => {
  if (error instanceof z.ZodError) console.error(`create-admin:\n${z.prettifyError(error)}`)
  else console.error(isAppError(error) || error instanceof Error ? `create-admin: ${error.message}` : error)
  process.exit(1)
})
