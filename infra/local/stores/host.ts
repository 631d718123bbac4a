// The process one supervised store runs in (supervisor.ts): it serves until its parent says stop or goes away.
import { setTimeout as sleep } from 'node:timers/promises'
import { type ServerName, type StoreServer, servers } from './servers/index.ts'

/** Longest a server may take to close (PGlite writing its last pages) before the process ends regardless. */
const closeGraceMs = 5_000

const name = process.argv[2] as ServerName
if (!process.send || !(name in servers)) {
  console.error(
    `usage: a child process with an IPC channel, given one of: ${Object.keys(servers).join(', ')}`,
  )
  process.exit(2)
}

let server: StoreServer | undefined
let ending: Promise<never> | undefined

/** Closes the server (if it got as far as starting) and ends; called again while closing, it waits for that. */
function end(): Promise<never> {
  ending ??= (async () => {
    if (server) await Promise.race([server.close(), sleep(closeGraceMs)])
    process.exit(0)
  })()
  return ending
}

// Ctrl-C in a terminal reaches the whole process group; the parent stops its stores itself, in its own order.
process.on('SIGINT', () => {})
process.on('SIGTERM', end)
// The channel closes when the parent ends, however it ends: no store outlives it.
process.on('disconnect', end)

// The options come over the channel rather than the command line, which anyone on the machine can read in `ps`.
process.once('message', async (options) => {
  const { serve } = await servers[name]()
  // Typed as ServerOptions<typeof name> where supervisor.ts sends them; here they are JSON off the channel.
  server = await serve(options as never)
  process.send?.({ ready: server.port })
})
