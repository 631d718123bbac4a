// Every sample event in events/ runs through the function the route table gives it and returns its result.
import { randomBytes } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { localFunctions } from '../../infra/local/gateway/lambda.ts'
import { fillPlaceholders, functionForEvent } from '../../infra/local/gateway/samples.ts'
import { localIdentity, realRoutes, repositoryRoot } from '../../infra/local/gateway/table.ts'
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts'
import { befriend, person } from '../integration/realtime/people.ts'

const eventsDir = join(repositoryRoot, 'events')

async function sampleFiles(dir = eventsDir): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true })
  const nested = await Promise.all(
    entries.map((entry) =>
      entry.isDirectory() ? sampleFiles(join(dir, entry.name)) : [join(dir, entry.name)],
    ),
  )
  return nested
    .flat()
    .filter((file) => file.endsWith('.json'))
    .sort()
}

let runtime: LocalRuntime
const placeholders: Record<string, string> = {}
const files = await sampleFiles()

beforeAll(async () => {
  runtime = await startLocalRuntime({
    env: { ...process.env, STAGE: `samples-${randomBytes(4).toString('hex')}` },
    httpPort: 0,
    wsPort: 0,
  })
  const [me, friend] = [await person(), await person()]
  await befriend(me, friend)
  const created = await fetch(`${runtime.httpUrl}/conversations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${me.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'direct', userId: friend.id }),
  })
  expect(created.status).toBeLessThan(300)
  const conversation = (await created.json()) as { id: string }
  Object.assign(placeholders, {
    ACCESS_TOKEN: me.token,
    USER_ID: me.id,
    FRIEND_ID: friend.id,
    CONVERSATION_ID: conversation.id,
    UPLOAD_KEY: `uploads/${me.id}/${randomBytes(8).toString('hex')}/photo.png`,
  })
})
afterAll(async () => {
  await runtime?.stop()
})

describe('sample events', () => {
  it('exist for every kind of event the gateway sends', () => {
    const kinds = files.map((file) => relative(eventsDir, file).split('/')[0])
    expect(new Set(kinds)).toEqual(new Set(['http', 'ws', 'sqs', 'schedule']))
  })

  it.each(files.map((file) => [relative(repositoryRoot, file), file]))(
    '%s runs through its function and returns a result',
    async (name, file) => {
      const event = JSON.parse(fillPlaceholders(await readFile(file, 'utf8'), placeholders, name))
      const target = functionForEvent(realRoutes, event)
      expect(target, `no function takes ${name}`).toBeDefined()
      const functions = localFunctions(realRoutes, repositoryRoot, localIdentity(process.env))
      const result = (await functions.invoke(target as string, event)) as Record<string, unknown> | undefined
      expect(result).toBeDefined()
      if ('statusCode' in (result ?? {})) expect(result?.statusCode as number).toBeLessThan(500)
      if (target === realRoutes.webSocket.authorizer?.function) {
        expect(JSON.stringify(result)).toContain('"Effect":"Allow"')
      }
      if (event.Records) {
        // The sample batch holds one poisoned job, reported alone for a retry.
        expect((result as { batchItemFailures: unknown[] }).batchItemFailures).toHaveLength(1)
      }
    },
  )
})
