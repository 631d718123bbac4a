// The web client: plain DOM over the SDK. Sign up or in, find people, befriend, chat, share files, read the inbox.
// The mailed links open it too: /verify-email#token=... verifies the address, /reset-password#token=... asks for a
// new password (the token rides in the fragment, which the browser never sends to a server).
import type { PublicProfile } from '../../lib/protocol/entities.ts'
import type { Message } from '../../lib/protocol/messages.ts'
import { type Answer, ApiError, type ChatClient, createChatClient, type Session } from '../sdk/index.ts'

type Conversation = NonNullable<Answer<'GET /conversations'>>['items'][number]

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T
const sessionKey = 'chat-service.session'
/** The socket's sync cursor, so a reload resumes where the last page stopped instead of from now. */
const cursorKey = 'chat-service.cursor'

function el(
  tag: string,
  attributes: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElement {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value)
  node.append(...children)
  return node
}

function button(label: string, onClick: () => unknown, secondary = false): HTMLButtonElement {
  const node = el(
    'button',
    { type: 'button', ...(secondary && { class: 'secondary' }) },
    label,
  ) as HTMLButtonElement
  node.addEventListener('click', () => void run(onClick))
  return node
}

function say(text: string) {
  $('status').textContent = text
}

/** Runs a user action; a refusal is shown, never thrown away. */
async function run(action: () => unknown) {
  try {
    say('')
    await action()
  } catch (error) {
    say(error instanceof Error ? error.message : String(error))
  }
}

const formValues = (form: HTMLFormElement) => Object.fromEntries(new FormData(form)) as Record<string, string>

interface Config {
  apiUrl: string
  wsUrl: string
}

let chat: ChatClient
let me: Session['user']
const people = new Map<string, PublicProfile>()
const online = new Map<string, boolean>()
let conversations: Conversation[] = []
let open: { id: string; shown: Set<string>; cursor: string | null; lastSeq: number } | undefined
let typingTimer: ReturnType<typeof setTimeout> | undefined
let typingSentAt = 0

const nameOf = (userId: string) => people.get(userId)?.displayName ?? (userId === me?.id ? 'You' : 'Someone')
const titleOf = (conversation: Conversation) =>
  conversation.type === 'direct'
    ? `Chat with ${conversation.peer?.displayName ?? 'someone'}`
    : `Group ${conversation.name}`

async function refreshFriends() {
  const [friends, requests] = await Promise.all([
    chat.http.call('GET /friends', { query: { limit: 100 } }),
    chat.http.call('GET /friends/requests', { query: { direction: 'incoming', limit: 100 } }),
  ])
  for (const friendship of [...friends.items, ...requests.items])
    people.set(friendship.user.id, friendship.user)
  const ids = friends.items.map((friendship) => friendship.user.id)
  if (ids.length > 0) {
    const presence = await chat.http.call('GET /presence', { query: { userIds: ids.join(',') } })
    for (const entry of presence.items) online.set(entry.userId, entry.status === 'online')
  }
  $('friends').replaceChildren(
    ...friends.items.map(({ user }) =>
      el(
        'li',
        {},
        `${user.displayName} (@${user.username}) `,
        el(
          'span',
          { class: online.get(user.id) ? 'online' : 'offline', 'data-presence': user.id },
          online.get(user.id) ? 'online' : 'offline',
        ),
        ' ',
        button(`Chat with ${user.displayName}`, () => startDirect(user.id)),
      ),
    ),
  )
  $('group-members').replaceChildren(
    ...friends.items.map(({ user }) =>
      el(
        'label',
        {},
        el('input', { type: 'checkbox', name: 'member', value: user.id }),
        ` ${user.displayName}`,
      ),
    ),
  )
  $('requests').replaceChildren(
    ...requests.items.map(({ user }) =>
      el(
        'li',
        {},
        `${user.displayName} (@${user.username}) `,
        button(`Accept ${user.displayName}`, async () => {
          await chat.http.call('POST /friends/{userId}/accept', { path: { userId: user.id } })
          await refreshFriends()
        }),
        ' ',
        button(
          `Decline ${user.displayName}`,
          async () => {
            await chat.http.call('POST /friends/{userId}/decline', { path: { userId: user.id } })
            await refreshFriends()
          },
          true,
        ),
      ),
    ),
  )
}

function showPresence(userId: string, isOnline: boolean) {
  online.set(userId, isOnline)
  for (const node of document.querySelectorAll(`[data-presence="${userId}"]`)) {
    node.textContent = isOnline ? 'online' : 'offline'
    node.className = isOnline ? 'online' : 'offline'
  }
}

async function refreshConversations() {
  conversations = (await chat.http.call('GET /conversations', { query: { limit: 50 } })).items
  for (const conversation of conversations)
    if (conversation.peer) people.set(conversation.peer.id, conversation.peer)
  $('conversations').replaceChildren(
    ...conversations.map((conversation) => {
      const unread = conversation.id === open?.id ? 0 : conversation.unreadCount
      const label = `${titleOf(conversation)}${unread > 0 ? `, ${unread} unread` : ''}`
      const item = el(
        'li',
        {},
        button(titleOf(conversation), () => openConversation(conversation.id)),
      )
      if (unread > 0) item.append(' ', el('span', { class: 'unread', 'aria-label': label }, String(unread)))
      return item
    }),
  )
}

async function refreshInbox() {
  const inbox = await chat.http.call('GET /notifications', { query: { limit: 20 } })
  $('inbox-count').textContent = inbox.unreadCount > 0 ? `(${inbox.unreadCount} unread)` : ''
  $('inbox').replaceChildren(
    ...inbox.items.map((entry) => {
      const what =
        entry.kind === 'message.new'
          ? `New message: ${entry.preview}`
          : entry.kind === 'friend.request'
            ? `${entry.from.displayName} asked to be friends`
            : `${entry.from.displayName} accepted your request`
      return el('li', {}, `${entry.readAt ? '' : '• '}${what}`)
    }),
  )
}

async function startDirect(userId: string) {
  const conversation = await chat.http.call('POST /conversations', { body: { type: 'direct', userId } })
  await refreshConversations()
  await openConversation((conversation as { id: string }).id)
}

function attachmentNode(attachment: Message['attachments'][number]) {
  return button(
    `Download ${attachment.name}`,
    async () => {
      const { url } = await chat.http.call('GET /uploads/{key+}', { path: { key: attachment.key } })
      // Fetched, then saved from a blob: the download attribute works on same-origin URLs only.
      const file = await fetch(url)
      if (!file.ok) throw new Error(`The file could not be downloaded (${file.status}).`)
      const href = URL.createObjectURL(await file.blob())
      const link = el('a', { href, download: attachment.name, hidden: '' })
      document.body.append(link)
      link.click()
      link.remove()
      setTimeout(() => URL.revokeObjectURL(href), 10_000)
    },
    true,
  )
}

function messageNode(message: Message) {
  const time = new Date(message.createdAt).toLocaleTimeString()
  const item = el(
    'li',
    { 'data-seq': String(message.seq) },
    el('span', { class: 'meta' }, `${nameOf(message.senderId)}, ${time}: `),
    el('span', { class: 'body' }),
  )
  for (const attachment of message.attachments) item.append(' ', attachmentNode(attachment))
  item.append(el('span', { class: 'reactions' }))
  showBody(item, message.deleted ? undefined : message.body, message.editedAt !== undefined)
  showReactions(item, message.reactions ?? {})
  return item
}

/** A message of the open conversation as shown, for a change to it (live or replayed after a gap alike). */
const shownMessage = (conversationId: string, seq: number) =>
  conversationId === open?.id ? $('messages').querySelector(`li[data-seq="${seq}"]`) : null

/** The body as it is now; none: deleted, its files gone with it. */
function showBody(item: Element, body: string | undefined, edited: boolean) {
  const node = item.querySelector('.body') as HTMLElement
  node.textContent = body === undefined ? 'Message deleted' : `${body}${edited ? ' (edited)' : ''}`
  if (body === undefined) for (const download of item.querySelectorAll('button')) download.remove()
}

function showReactions(item: Element, counts: Record<string, number>) {
  const text = Object.entries(counts).map(([emoji, count]) => `${emoji} ${count}`)
  ;(item.querySelector('.reactions') as HTMLElement).textContent = text.length > 0 ? ` ${text.join(' ')}` : ''
}

function show(message: Message, where: 'append' | 'prepend') {
  if (!open || open.shown.has(message.id)) return
  open.shown.add(message.id)
  const list = $('messages')
  if (where === 'prepend') list.prepend(messageNode(message))
  else {
    list.append(messageNode(message))
    list.scrollTop = list.scrollHeight
  }
  if (message.seq > open.lastSeq) {
    open.lastSeq = message.seq
    chat.socket.send({ action: 'markRead', conversationId: open.id, seq: message.seq })
  }
}

async function openConversation(id: string) {
  const conversation = conversations.find((candidate) => candidate.id === id)
  open = { id, shown: new Set(), cursor: null, lastSeq: 0 }
  $('chat-title').textContent = conversation ? titleOf(conversation) : 'Conversation'
  $('messages').replaceChildren()
  $('typing').textContent = ''
  $('composer').hidden = false
  await loadOlder()
  if (open.lastSeq > 0)
    await chat.http.call('POST /conversations/{id}/read', { path: { id }, body: { seq: open.lastSeq } })
  await refreshConversations()
}

async function loadOlder() {
  if (!open) return
  const current = open
  const page = await chat.http.call('GET /conversations/{id}/messages', {
    path: { id: current.id },
    query: current.cursor ? { cursor: current.cursor, limit: 30 } : { limit: 30 },
  })
  current.cursor = page.nextCursor
  for (const message of [...page.items].reverse()) show(message, 'prepend')
  const newest = page.items.at(-1)
  if (newest) chat.socket.seen(current.id, newest.seq)
  $('older').hidden = !current.cursor
}

async function sendFromComposer(form: HTMLFormElement) {
  if (!open) return
  const body = (form.elements.namedItem('body') as HTMLTextAreaElement).value
  const file = (form.elements.namedItem('file') as HTMLInputElement).files?.[0]
  const attachments: { key: string }[] = []
  if (file) {
    const upload = await chat.http.call('POST /uploads', {
      body: { fileName: file.name, contentType: file.type || 'application/octet-stream', size: file.size },
    })
    const data = new FormData()
    for (const [name, value] of Object.entries(upload.fields)) data.append(name, value)
    data.append('file', file)
    const stored = await fetch(upload.url, { method: 'POST', body: data })
    if (!stored.ok) throw new Error(`The file was not uploaded (${stored.status}).`)
    attachments.push({ key: upload.key })
  }
  if (!body.trim() && attachments.length === 0) return
  form.reset()
  chat.socket.send({ action: 'typing', conversationId: open.id, state: 'stop' })
  typingSentAt = 0
  show(await chat.socket.sendMessage({ conversationId: open.id, body, attachments }), 'append')
}

function wireSocket() {
  chat.socket.on('messageReceived', (message) => {
    if (message.conversationId === open?.id) show(message, 'append')
    else void refreshConversations()
  })
  chat.socket.on('typing', (frame) => {
    if (frame.conversationId !== open?.id) return
    clearTimeout(typingTimer)
    $('typing').textContent = frame.state === 'start' ? `${nameOf(frame.userId)} is typing…` : ''
    if (frame.state === 'start') typingTimer = setTimeout(() => ($('typing').textContent = ''), 6000)
  })
  chat.socket.on('message.updated', (frame) => {
    const item = shownMessage(frame.conversationId, frame.seq)
    if (item) showBody(item, frame.body, true)
  })
  chat.socket.on('message.deleted', (frame) => {
    const item = shownMessage(frame.conversationId, frame.seq)
    if (item) showBody(item, undefined, false)
  })
  chat.socket.on('reaction', (frame) => {
    const item = shownMessage(frame.conversationId, frame.seq)
    if (item) showReactions(item, frame.counts)
  })
  chat.socket.on('cursor', (cursor) => localStorage.setItem(cursorKey, cursor))
  // What happened while away could not be replayed: read the lists and the open conversation again.
  chat.socket.on('resync', () => {
    void run(async () => {
      await Promise.all([refreshFriends(), refreshInbox()])
      if (open) await openConversation(open.id)
      else await refreshConversations()
    })
  })
  chat.socket.on('presence', (frame) => showPresence(frame.userId, frame.status === 'online'))
  chat.socket.on('friend.request', () => void refreshFriends())
  chat.socket.on('friend.accepted', () => void refreshFriends())
  chat.socket.on('notification', () => void refreshInbox())
  chat.socket.on('read', () => void refreshConversations())
  const reconnecting = 'Connection lost; reconnecting…'
  chat.socket.on('connected', () => {
    if ($('status').textContent === reconnecting) say('')
  })
  chat.socket.on('disconnected', () => say(reconnecting))
}

/** The page and token of a mailed link this page was opened by, if any; the token is then taken off the URL. */
function mailedLink(): { page: 'verify-email' | 'reset-password'; token: string } | undefined {
  const page = /\/(verify-email|reset-password)\/?$/.exec(location.pathname)?.[1]
  const token = new URLSearchParams(location.hash.slice(1)).get('token')
  if (!page || !token) return undefined
  history.replaceState(null, '', new URL('./', document.baseURI))
  return { page: page as 'verify-email' | 'reset-password', token }
}

async function verifyFromLink(token: string) {
  try {
    await chat.http.verifyEmail(token)
    say('Your email address is verified. You can now send friend requests.')
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error)
    say(`This verification link did not work (${why}). It may be used or expired: log in to mail a new one.`)
  }
}

function askNewPassword(token: string) {
  $('signed-out').hidden = true
  $('reset').hidden = false
  const form = $<HTMLFormElement>('reset-form')
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    void run(async () => {
      await chat.http.resetPassword(token, formValues(form).password ?? '')
      form.reset()
      $('reset').hidden = true
      $('signed-out').hidden = false
      say('Your password is changed, and every session ended. Log in with the new password.')
    })
  })
  form.querySelector('input')?.focus()
}

async function sendFriendRequest(user: PublicProfile) {
  try {
    await chat.http.call('POST /friends/{userId}', { path: { userId: user.id } })
  } catch (error) {
    if (error instanceof ApiError && error.problem.code === 'email_unverified')
      throw new Error(
        `Verify your email address before sending friend requests: open the link we mailed you. ` +
          `${user.displayName} was not asked.`,
      )
    throw error
  }
  say(`Friend request sent to ${user.displayName}.`)
  await refreshFriends()
}

async function signedIn(session: Session) {
  me = session.user
  $('me').textContent = `Signed in as ${me.displayName} (@${me.username})`
  for (const id of ['me', 'logout', 'signed-in']) $(id).hidden = false
  $('unverified').hidden = me.emailVerified
  $('signed-out').hidden = true
  $('reset').hidden = true
  chat.socket.connect()
  await Promise.all([refreshFriends(), refreshConversations(), refreshInbox()])
}

function signedOut() {
  chat.socket.disconnect()
  localStorage.removeItem(sessionKey)
  localStorage.removeItem(cursorKey)
  for (const id of ['me', 'logout', 'signed-in', 'unverified']) $(id).hidden = true
  $('signed-out').hidden = $('reset').hidden === false
}

async function main() {
  const config = (await (await fetch('config.json')).json()) as Config
  const saved = localStorage.getItem(sessionKey)
  const cursor = saved ? localStorage.getItem(cursorKey) : null
  chat = createChatClient({
    baseUrl: config.apiUrl,
    wsUrl: config.wsUrl,
    ...(saved && { session: JSON.parse(saved) as Session }),
    ...(cursor && { socket: { cursor } }),
    onSession: (session) => {
      if (session) localStorage.setItem(sessionKey, JSON.stringify(session))
      else signedOut()
    },
  })
  wireSocket()
  $('signup').addEventListener('submit', (event) => {
    event.preventDefault()
    const form = event.target as HTMLFormElement
    const values = formValues(form)
    void run(async () => {
      await chat.http.signup({ ...values, displayName: values.displayName || undefined } as never)
      form.reset()
      const login = $<HTMLFormElement>('login')
      ;(login.elements.namedItem('login') as HTMLInputElement).value = values.username ?? ''
      say(
        `Thank you. We mailed a link to ${values.email}: open it to verify your address. ` +
          'You can log in now; until you verify, you can answer friend requests but not send them.',
      )
      ;(login.elements.namedItem('password') as HTMLInputElement).focus()
    })
  })
  $('forgot').addEventListener('submit', (event) => {
    event.preventDefault()
    const form = event.target as HTMLFormElement
    const { email } = formValues(form)
    void run(async () => {
      await chat.http.requestPasswordReset(email ?? '')
      form.reset()
      say(`If an account uses ${email}, we mailed it a link to choose a new password.`)
    })
  })
  $('resend').addEventListener(
    'click',
    () =>
      void run(async () => {
        await chat.http.resendVerification()
        say(`We mailed a new verification link to ${me.email}.`)
      }),
  )
  $('login').addEventListener('submit', (event) => {
    event.preventDefault()
    const { login, password } = formValues(event.target as HTMLFormElement)
    void run(async () => signedIn(await chat.http.login(login ?? '', password ?? '')))
  })
  $('logout').addEventListener('click', () => void run(() => chat.http.logout()))
  $('search').addEventListener('submit', (event) => {
    event.preventDefault()
    const { q } = formValues(event.target as HTMLFormElement)
    void run(async () => {
      const found = await chat.http.call('GET /users', { query: { q: q ?? '' } })
      $('search-results').replaceChildren(
        ...found.items.map((user) =>
          el(
            'li',
            {},
            `${user.displayName} (@${user.username}) `,
            button(`Add ${user.displayName} as a friend`, () => sendFriendRequest(user)),
          ),
        ),
      )
      if (found.items.length === 0) say('Nobody found.')
    })
  })
  $('new-group').addEventListener('submit', (event) => {
    event.preventDefault()
    const form = event.target as HTMLFormElement
    const memberIds = new FormData(form).getAll('member').map(String)
    void run(async () => {
      const group = await chat.http.call('POST /conversations', {
        body: { type: 'group', name: formValues(form).name ?? '', memberIds },
      })
      form.reset()
      await refreshConversations()
      await openConversation((group as { id: string }).id)
    })
  })
  $('inbox-read').addEventListener(
    'click',
    () =>
      void run(async () => {
        await chat.http.call('POST /notifications/read', { body: { all: true } })
        await refreshInbox()
      }),
  )
  $('older').addEventListener('click', () => void run(loadOlder))
  const composer = $<HTMLFormElement>('composer')
  composer.addEventListener('submit', (event) => {
    event.preventDefault()
    void run(() => sendFromComposer(composer))
  })
  composer.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && event.target instanceof HTMLTextAreaElement) {
      event.preventDefault()
      composer.requestSubmit()
    }
  })
  composer.addEventListener('input', () => {
    if (!open || Date.now() - typingSentAt < 3000) return
    typingSentAt = Date.now()
    chat.socket.send({ action: 'typing', conversationId: open.id, state: 'start' })
  })
  const link = mailedLink()
  if (link?.page === 'verify-email') await verifyFromLink(link.token)
  if (link?.page === 'reset-password') askNewPassword(link.token)
  // After a verification the renewed session says so; after a reset the saved one is ended anyway.
  else if (saved) {
    const verified = $('status').textContent
    await run(async () => signedIn((await chat.http.refresh()) as Session))
    if (verified && !$('status').textContent) say(verified)
  }
}

void main()
