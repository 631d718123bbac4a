// The messaging end-to-end tests' common ground: a local runtime, verified accounts, devices and HTTP calls on it.
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll } from 'vitest'
import { type LocalRuntime, startLocalRuntime } from '../../../infra/local/runtime.ts'
import { signUpVerified } from '../accounts.ts'
import { connect, type Device, type Frame } from '../realtime/sockets.ts'

export interface Account {
  id: string
  token: string
}

export interface Gateway {
  readonly runtime: LocalRuntime
  signUp(name: string): Promise<Account>
  /** A WebSocket device of the user, closed after the file's tests. */
  device(user: Account): Promise<Device>
  api<T>(user: Account, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>
}

/** Starts a local runtime (stage `<stage>-<random>`) before the file's tests and stops it after them. */
export function gateway(stage: string): Gateway {
  let runtime: LocalRuntime | undefined
  const open: Device[] = []
  beforeAll(async () => {
    runtime = await startLocalRuntime({
      env: { ...process.env, STAGE: `${stage}-${randomBytes(4).toString('hex')}` },
      httpPort: 0,
      wsPort: 0,
    })
  })
  afterAll(async () => {
    await Promise.all(open.map((opened) => opened.close()))
    await runtime?.stop()
  })
  const started = () => {
    if (!runtime) throw new Error('the local runtime has not started')
    return runtime
  }
  return {
    get runtime() {
      return started()
    },
    async signUp(name) {
      const tag = randomBytes(4).toString('hex')
      const session = await signUpVerified(started().httpUrl, {
        email: `${name}.${tag}@example.com`,
        username: `${name}_${tag}`,
        password: `a long passphrase for ${name}`,
      })
      return { id: session.user.id, token: session.accessToken }
    },
    async device(user) {
      const opened = await connect(started().wsUrl, user.token)
      open.push(opened)
      return opened
    },
    async api<T>(user: Account, method: string, path: string, body?: unknown) {
      const response = await fetch(`${started().httpUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${user.token}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      })
      const text = await response.text()
      return { status: response.status, body: (text ? JSON.parse(text) : null) as T }
    },
  }
}

export const ofType = (type: string) => (frame: Frame) => frame.type === type

/** Sends an action frame as JSON. */
export const send = (from: Device, frame: Record<string, unknown>) => from.socket.send(JSON.stringify(frame))

/** A user as test/integration/realtime/people.ts befriends them. */
export const asPerson = (account: Account) => ({ ...account, sessionId: '' })
