// The service as `npm run dev` runs it, on its local default stores, in a process of its own with the probe preloaded;
// users and friendships seeded through the project's code, rooms opened through the gateway.
import { mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { liveRuntime, type RuntimeRecord } from '../../infra/local/runtime-file.ts'
import { type MessageDocument, messageId, messagesOf } from '../../lib/messages/store.ts'
import { closeMongo, mongoDb } from '../../lib/stores/mongo.ts'
import { closePostgres, postgresClient } from '../../lib/stores/postgres.ts'
import { type Person as Account, befriend, person } from '../integration/realtime/people.ts'
import { type BenchChild, onInterrupt, repositoryRoot, startBenchChild } from './child.ts'
import type { ProbeReport } from './probe.ts'
import type { Target } from './target.ts'

/** Variables that would make the runtime adopt a store of the machine instead of starting its local default. */
const adoptedStores = [
  'DATABASE_URL',
  'MONGO_URL',
  'REDIS_URL',
  'UPSTASH_REDIS_REST_URL',
  'UPSTASH_REDIS_REST_TOKEN',
  'JWT_SIGNING_KEYS',
]

const startupTimeoutMs = 240_000
const seedBatch = 1_000

async function runtimeOf(child: BenchChild, dataDir: string): Promise<RuntimeRecord> {
  const deadline = performance.now() + startupTimeoutMs
  let ended: string | undefined
  void child.exited.then((reason) => {
    ended = reason
  })
  while (performance.now() < deadline) {
    if (ended) throw new Error(`npm run dev ended (${ended}) before it was ready:\n${child.output()}`)
    const record = await liveRuntime(dataDir)
    if (record) return record
    await sleep(250)
  }
  await child.stop()
  throw new Error(`npm run dev was not ready after ${startupTimeoutMs} ms:\n${child.output()}`)
}

async function post(httpUrl: string, path: string, token: string, body: unknown): Promise<{ id: string }> {
  const response = await fetch(`${httpUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  if (response.status !== 201 && response.status !== 200)
    throw new Error(`POST ${path} answered ${response.status}: ${await response.text()}`)
  return (await response.json()) as { id: string }
}

export async function startService(ports: { http: number; ws: number }): Promise<Target> {
  const dataDir = await mkdtemp('/tmp/bench-data-')
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HTTP_PORT: String(ports.http),
    WS_PORT: String(ports.ws),
    DATA_DIR: dataDir,
  }
  for (const name of adoptedStores) delete env[name]
  const child = startBenchChild(join(repositoryRoot, 'infra/local/dev.ts'), {
    env,
    imports: [join(repositoryRoot, 'test/bench/probe.ts')],
  })
  const stopService = async () => {
    await Promise.allSettled([closePostgres(), closeMongo()])
    await child.stop()
    await rm(dataDir, { recursive: true, force: true })
  }
  const forget = onInterrupt(stopService)
  let record: RuntimeRecord
  try {
    record = await runtimeOf(child, dataDir)
  } catch (error) {
    forget()
    await stopService()
    throw error
  }
  // Seeding in this process uses the project's own store clients, pointed at the runtime's stores.
  Object.assign(process.env, record.env)

  const people: Account[] = []

  return {
    kind: 'service',
    httpUrl: record.httpUrl,
    wsUrl: record.wsUrl,
    pid: child.pid,
    async people(count) {
      while (people.length < count) {
        const made = await person()
        const [first] = people
        if (first) await befriend(first, made)
        // The first user's pair is the first and second, friends already.
        if (people.length % 2 === 1 && people.length > 1) await befriend(people.at(-1) as Account, made)
        people.push(made)
      }
      return people.slice(0, count)
    },
    async group(owner, members) {
      const memberIds = members.map((member) => member.id)
      return (
        await post(record.httpUrl, '/conversations', owner.token, { type: 'group', name: 'bench', memberIds })
      ).id
    },
    async direct(a, b) {
      return (await post(record.httpUrl, '/conversations', a.token, { type: 'direct', userId: b.id })).id
    },
    async seedHistory(conversationId, sender, depth) {
      const sql = await postgresClient()
      const [row] = await sql<{ seq: string }[]>`
        select last_seq::text as seq from conversations where id = ${conversationId}`
      const messages = messagesOf(await mongoDb())
      const from = Number(row?.seq ?? 0)
      const seqs = Array.from({ length: Math.max(0, depth - from) }, (_, i) => from + 1 + i)
      const base = Date.now() - seqs.length
      for (let i = 0; i < seqs.length; i += seedBatch) {
        const documents = seqs.slice(i, i + seedBatch).map(
          (seq): MessageDocument => ({
            _id: messageId(conversationId, seq),
            conversationId,
            seq,
            senderId: sender.id,
            clientMsgId: `seed-${seq}`,
            body: 'seeded history',
            attachments: [],
            createdAt: new Date(base + seq - from),
          }),
        )
        await messages.insertMany(documents, { ordered: false })
      }
      // What each of those sends would have left in PostgreSQL: its retry key, and the conversation's last seq.
      await sql`
        insert into message_keys (conversation_id, sender_id, client_msg_id, seq)
        select ${conversationId}, ${sender.id}, 'seed-' || seq, seq
        from generate_series(${from + 1}::bigint, ${depth}::bigint) as seq`
      await sql`update conversations set last_seq = greatest(last_seq, ${depth}) where id = ${conversationId}`
    },
    probe: {
      mark: () => child.request({ probe: 'mark' }),
      take: () => child.request<ProbeReport>({ probe: 'take' }),
    },
    async stop() {
      forget()
      await stopService()
    },
  }
}
