// The bare `ws` server in its own process, given its rooms and seeded history over IPC.
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { onInterrupt, repositoryRoot, startBenchChild } from './child.ts'
import type { Person, Target } from './target.ts'

export async function startBare(port: number): Promise<Target> {
  const child = startBenchChild(join(repositoryRoot, 'test/bench/bare-server.ts'), {
    env: { ...process.env, BENCH_BARE_PORT: String(port) },
  })
  const { bareListening } = await child.next(
    (message): message is { bareListening: number } =>
      typeof (message as { bareListening?: unknown })?.bareListening === 'number',
  )
  const forget = onInterrupt(() => child.stop())
  const people: Person[] = []
  const room = async (memberIds: string[]) => {
    const id = randomUUID()
    await child.request({ room: { id, memberIds } })
    return id
  }
  return {
    kind: 'bare',
    httpUrl: `http://127.0.0.1:${bareListening}`,
    wsUrl: `ws://127.0.0.1:${bareListening}`,
    pid: child.pid,
    async people(count) {
      while (people.length < count) {
        const id = randomUUID()
        people.push({ id, token: id })
      }
      return people.slice(0, count)
    },
    group: (owner, members) => room([owner.id, ...members.map((member) => member.id)]),
    direct: (a, b) => room([a.id, b.id]),
    async seedHistory(conversationId, sender, depth) {
      await child.request({ history: { conversationId, senderId: sender.id, depth } })
    },
    stop() {
      forget()
      return child.stop()
    },
  }
}
