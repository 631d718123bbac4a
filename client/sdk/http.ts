// The HTTP half of the SDK: typed calls by route key, the access token renewed once when it expires.
import type * as z from 'zod'
import type { httpContract, RouteKey } from '../../lib/protocol/http/index.ts'
import type { Problem } from '../../lib/protocol/problem.ts'

type Contract = typeof httpContract

type Part<K extends RouteKey, P extends 'path' | 'query' | 'body'> =
  Contract[K] extends Record<P, infer S extends z.ZodType> ? z.input<S> : undefined

/** What a route takes: its path parameters, query and body, each only when the route has one. */
export type Input<K extends RouteKey> = {
  [P in 'path' | 'query' | 'body' as Part<K, P> extends undefined ? never : P]: Part<K, P>
}

type Bodies<R> = { [S in keyof R]: R[S] extends z.ZodType ? z.output<R[S]> : undefined }[keyof R]
/** What a route answers on success. */
export type Answer<K extends RouteKey> = Bodies<Contract[K]['responses']>

export type Session = NonNullable<Answer<'POST /auth/login'>>

/** A refused request: the problem document the service answered with. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Partial<Problem>,
  ) {
    super(problem.detail ?? `HTTP ${status}`)
    this.name = 'ApiError'
  }
}

export interface HttpClientOptions {
  /** The HTTP API's base URL, e.g. `http://127.0.0.1:3000`. */
  baseUrl: string
  /** A session to start with (kept by the caller across page loads, say). */
  session?: Session
  /** Told of every new session (login, refresh) and of its end (null). */
  onSession?: (session: Session | null) => void
  fetch?: typeof fetch
}

/** Seconds before expiry at which a token counts as expired: clock skew and the request's own flight. */
const expiryMarginSeconds = 30

/** The /auth routes that take no access token (a refused one there is no reason to renew): all but resend. */
const tokenless = (key: RouteKey) => key.startsWith('POST /auth/') && key !== 'POST /auth/verify-email/resend'

/** The `exp` of a JWT, unverified: only to know when to renew it. */
function expiresAt(token: string): number {
  try {
    const payload = token.split('.')[1] ?? ''
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'))
    const exp: unknown = JSON.parse(json).exp
    return typeof exp === 'number' ? exp : 0
  } catch {
    return 0
  }
}

export class HttpClient {
  private session: Session | undefined
  private refreshing: Promise<Session> | undefined
  private readonly fetch: typeof fetch

  constructor(private readonly options: HttpClientOptions) {
    this.session = options.session
    this.fetch = options.fetch ?? ((...args) => globalThis.fetch(...args))
  }

  get currentSession(): Session | undefined {
    return this.session
  }

  /** Calls a route; a 401 on a route that needs a token renews the session once and tries again. */
  async call<K extends RouteKey>(key: K, input: Input<K> = {} as Input<K>): Promise<Answer<K>> {
    const first = await this.send(key, input)
    if (first.status !== 401 || !this.session || tokenless(key)) return this.answer(first)
    await this.refresh()
    return this.answer(await this.send(key, input))
  }

  /**
   * Asks for an account: the service answers 202 whether or not the address is registered, and mails either a
   * verification link or a note that the address has an account. No session: log in next (unverified accounts may).
   */
  async signup(body: Input<'POST /auth/signup'>['body']): Promise<Answer<'POST /auth/signup'>> {
    return this.call('POST /auth/signup', { body })
  }

  /** `signup`, then `login` with the same username and password: the session, for an address not yet registered. */
  async signupAndLogin(body: Input<'POST /auth/signup'>['body']): Promise<Session> {
    await this.signup(body)
    return this.login(body.username, body.password)
  }

  /** Verifies the address with the token of the mailed `/verify-email#token=...` link. */
  async verifyEmail(token: string): Promise<void> {
    await this.call('POST /auth/verify-email', { body: { token } })
  }

  /** Mails a new verification link to the signed-in user's address, unless it is verified. */
  async resendVerification(): Promise<void> {
    await this.call('POST /auth/verify-email/resend')
  }

  /** Mails a password reset link; the same answer whether or not an account uses the address. */
  async requestPasswordReset(email: string): Promise<void> {
    await this.call('POST /auth/password-reset', { body: { email } })
  }

  /** Sets a new password with the token of the mailed `/reset-password#token=...` link; every session ends. */
  async resetPassword(token: string, password: string): Promise<void> {
    await this.call('POST /auth/password-reset/confirm', { body: { token, password } })
  }

  async login(login: string, password: string): Promise<Session> {
    return this.start(await this.call('POST /auth/login', { body: { login, password } }))
  }

  async logout(): Promise<void> {
    const refreshToken = this.session?.refreshToken
    this.setSession(undefined)
    if (refreshToken) await this.call('POST /auth/logout', { body: { refreshToken } })
  }

  /**
   * The events since `cursor` (GET /sync), in order, `limit` a page (1..500, 100 by default): call again with the
   * page's `cursor` while `hasMore`. Without a cursor, no events and the cursor of now. A cursor older than the
   * retention period or not issued here is refused: `ApiError`, status 410, `problem.code` `cursor_expired`.
   */
  async sync(cursor?: string, limit?: number): Promise<Answer<'GET /sync'>> {
    return this.call('GET /sync', {
      query: { ...(cursor !== undefined && { cursor }), ...(limit !== undefined && { limit }) },
    })
  }

  /** An access token good for a while yet, renewed first when it is about to expire. */
  async accessToken(): Promise<string> {
    if (!this.session) throw new ApiError(401, { detail: 'Not signed in.' })
    if (expiresAt(this.session.accessToken) - expiryMarginSeconds < Date.now() / 1000) await this.refresh()
    return (this.session as Session).accessToken
  }

  /** One renewal at a time: concurrent 401s wait for the same one (a refresh token is spent on use). */
  refresh(): Promise<Session> {
    this.refreshing ??= (async () => {
      const refreshToken = this.session?.refreshToken
      if (!refreshToken) throw new ApiError(401, { detail: 'Not signed in.' })
      try {
        return this.start(await this.call('POST /auth/refresh', { body: { refreshToken } }))
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) this.setSession(undefined)
        throw error
      } finally {
        this.refreshing = undefined
      }
    })()
    return this.refreshing
  }

  private start(answer: unknown): Session {
    this.setSession(answer as Session)
    return answer as Session
  }

  private setSession(session: Session | undefined) {
    this.session = session
    this.options.onSession?.(session ?? null)
  }

  private async send<K extends RouteKey>(key: K, input: Input<K>): Promise<Response> {
    const [method = 'GET', template = '/'] = key.split(' ')
    const parts = input as { path?: Record<string, string>; query?: Record<string, unknown>; body?: unknown }
    const path = template.replace(/\{(\w+)(\+?)\}/g, (_, name: string, greedy: string) => {
      const value = String(parts.path?.[name] ?? '')
      return greedy ? value.split('/').map(encodeURIComponent).join('/') : encodeURIComponent(value)
    })
    const query = new URLSearchParams()
    for (const [name, value] of Object.entries(parts.query ?? {}))
      if (value !== undefined) query.set(name, Array.isArray(value) ? value.join(',') : String(value))
    const headers: Record<string, string> = {}
    if (this.session && !tokenless(key)) headers.authorization = `Bearer ${this.session.accessToken}`
    if (parts.body !== undefined) headers['content-type'] = 'application/json'
    const search = query.size > 0 ? `?${query}` : ''
    return this.fetch(`${this.options.baseUrl}${path}${search}`, {
      method,
      headers,
      ...(parts.body !== undefined && { body: JSON.stringify(parts.body) }),
    })
  }

  private async answer<K extends RouteKey>(response: Response): Promise<Answer<K>> {
    const text = await response.text()
    const body: unknown = text ? JSON.parse(text) : undefined
    if (!response.ok) throw new ApiError(response.status, (body ?? {}) as Partial<Problem>)
    return body as Answer<K>
  }
}
