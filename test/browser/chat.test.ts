// Two people in two browser contexts of headless Chromium, through the web client against the local runtime:
// sign up, open the mailed verification link, log in, find each other, befriend, chat both ways in real time,
// typing and presence, a file, history on reload. And an unverified account told why its friend request is refused.
import { randomBytes } from 'node:crypto'
import { mkdir, readFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildWebClient } from '../../client/web/build.ts'
import { repositoryRoot } from '../../infra/local/gateway/table.ts'
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts'
import { devSite } from '../../infra/local/site.ts'
import { lastMailTo } from '../mailbox.ts'

/** Where the screenshots go, for a person to look at after the run. */
const screenshots = process.env.SCREENSHOT_DIR ?? join(repositoryRoot, 'test-results/browser')
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

let runtime: LocalRuntime
let browser: Browser

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

beforeAll(async () => {
  const [httpPort, wsPort] = [await freePort(), await freePort()]
  const origin = `http://127.0.0.1:${httpPort}`
  const webRoot = await buildWebClient({ apiUrl: origin, wsUrl: `ws://127.0.0.1:${wsPort}` })
  runtime = await startLocalRuntime({
    // APP_URL as npm run dev sets it: the mailed links open the web client this origin serves.
    env: {
      ...process.env,
      STAGE: `browser-${randomBytes(4).toString('hex')}`,
      ALLOWED_ORIGINS: origin,
      APP_URL: origin,
    },
    httpPort,
    wsPort,
    site: devSite(webRoot),
  })
  await mkdir(screenshots, { recursive: true })
  // Root in a container has no user namespace for Chromium's sandbox.
  browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] })
})
afterAll(async () => {
  await browser?.close()
  await runtime?.stop()
})

/** Waits for what the page shows to change, as a person would wait; fails after a bound. */
const eventually = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 15_000, interval: 50 })

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true })

interface Person {
  name: string
  email: string
  username: string
  password: string
}

const person = (name: string, tag: string): Person => ({
  name,
  email: `${name.toLowerCase()}${tag}@example.com`,
  username: `${name.toLowerCase()}${tag}`,
  password: `Pw-${tag}-${randomBytes(6).toString('hex')}`,
})

/** Signs up through the form; the page says to check the mail and stays signed out. */
async function signUp(page: Page, who: Person) {
  page.on('pageerror', (error) => console.error(`${who.name}'s page: ${error.message}`))
  await page.goto(`${runtime.httpUrl}/app/`)
  const form = page.locator('#signup')
  await form.getByLabel('Email').fill(who.email)
  await form.getByLabel('Username').fill(who.username)
  await form.getByLabel('Display name').fill(who.name)
  await form.getByLabel('Password').fill(who.password)
  await form.getByRole('button', { name: 'Sign up' }).click()
  await eventually(() => page.getByRole('status').textContent()).toContain(`We mailed a link to ${who.email}`)
  expect(await page.locator('#signed-out').isVisible()).toBe(true)
}

/** Opens the verification link of the last mail to `who`, read from the runtime's mail folder. */
async function openVerificationLink(page: Page, who: Person) {
  const mail = await lastMailTo(who.email)
  const link = /https?:\/\/\S+\/verify-email#token=\S+/.exec(mail.text)?.[0]
  if (!link) throw new Error(`no verification link in "${mail.subject}"`)
  expect(new URL(link).origin).toBe(runtime.httpUrl)
  await page.goto(link)
  await eventually(() => page.getByRole('status').textContent()).toContain('Your email address is verified')
  expect(new URL(page.url()).hash).toBe('')
}

async function logIn(page: Page, who: Person) {
  const form = page.locator('#login')
  await form.getByLabel('Email or username').fill(who.username)
  await form.getByLabel('Password').fill(who.password)
  await form.getByRole('button', { name: 'Log in' }).click()
  await eventually(() => page.locator('#me').textContent()).toContain(`Signed in as ${who.name}`)
  expect(await page.locator('#signed-out').isVisible()).toBe(false)
}

describe('the web client in Chromium', () => {
  it('takes two people from signing up to chatting, sharing a file and reading history after a reload', async () => {
    const tag = randomBytes(3).toString('hex')
    const [alice, bob] = [
      await (await browser.newContext()).newPage(),
      await (await browser.newContext()).newPage(),
    ]
    const [a, b] = [person('Alice', tag), person('Bob', tag)]
    await signUp(alice, a)
    await signUp(bob, b)
    await shot(alice, '00-alice-signed-up')
    for (const [page, who] of [
      [alice, a],
      [bob, b],
    ] as const) {
      await openVerificationLink(page, who)
      await logIn(page, who)
      expect(await page.locator('#unverified').isVisible()).toBe(false)
    }
    await shot(alice, '01-alice-signed-in')

    await alice.getByLabel('Search by name').fill(`bob${tag}`)
    await alice.getByRole('button', { name: 'Search' }).click()
    await alice.getByRole('button', { name: 'Add Bob as a friend' }).click()
    await bob.getByRole('button', { name: 'Accept Alice' }).click()
    await shot(bob, '02-bob-accepted')

    const bobPresence = alice.locator('#friends [data-presence]')
    await eventually(() => bobPresence.textContent()).toBe('online')
    await alice.getByRole('button', { name: 'Chat with Bob' }).first().click()
    await alice.getByLabel('Message', { exact: true }).fill('Hello Bob!')
    await alice.getByLabel('Message', { exact: true }).press('Enter')
    await eventually(() => alice.locator('#messages').textContent()).toContain('Hello Bob!')

    await bob.locator('#conversations').getByRole('button', { name: 'Chat with Alice' }).click()
    await eventually(() => bob.locator('#messages').textContent()).toContain('Hello Bob!')
    await bob.getByLabel('Message', { exact: true }).pressSequentially('Hi Alice')
    await eventually(() => alice.locator('#typing').textContent()).toBe('Bob is typing…')
    await shot(alice, '03-alice-sees-typing')
    await bob.getByLabel('Message', { exact: true }).press('Enter')
    await eventually(() => alice.locator('#messages').textContent()).toContain('Hi Alice')

    const notes = Buffer.from(`Meeting notes ${tag}\n`)
    await alice
      .getByLabel('Attach a file')
      .setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: notes })
    await alice.getByLabel('Message', { exact: true }).fill('The notes')
    await alice.getByRole('button', { name: 'Send' }).click()
    const download = bob.getByRole('button', { name: 'Download notes.txt' })
    await eventually(() => download.count()).toBe(1)
    const [saved] = await Promise.all([bob.waitForEvent('download'), download.click()])
    expect(await readFile(await saved.path())).toEqual(notes)
    await shot(bob, '04-bob-has-the-file')

    await bob.reload()
    await bob.locator('#conversations').getByRole('button', { name: 'Chat with Alice' }).click()
    await eventually(() => bob.locator('#messages').textContent()).toContain('Hello Bob!')
    const history = await bob.locator('#messages li').allTextContents()
    expect(history.map((line) => line.replace(/^.*?: /, ''))).toEqual([
      'Hello Bob!',
      'Hi Alice',
      'The notes Download notes.txt',
    ])
    await shot(bob, '05-bob-history-after-reload')
  })

  it('lets an unverified account log in, and tells it why it cannot send a friend request yet', async () => {
    const tag = randomBytes(3).toString('hex')
    const [c, d] = [person('Carol', tag), person('Dave', tag)]
    const [carol, dave] = [
      await (await browser.newContext()).newPage(),
      await (await browser.newContext()).newPage(),
    ]
    await signUp(dave, d)
    await signUp(carol, c)
    await logIn(carol, c)
    expect(await carol.locator('#unverified').isVisible()).toBe(true)
    await carol.getByLabel('Search by name').fill(`dave${tag}`)
    await carol.getByRole('button', { name: 'Search' }).click()
    await carol.getByRole('button', { name: 'Add Dave as a friend' }).click()
    await eventually(() => carol.getByRole('status').textContent()).toContain(
      'Verify your email address before sending friend requests',
    )
    await shot(carol, '06-carol-unverified')

    // Opened while signed in, the link verifies the address and the renewed session says so.
    await openVerificationLink(carol, c)
    await eventually(() => carol.locator('#me').textContent()).toContain('Signed in as Carol')
    expect(await carol.locator('#unverified').isVisible()).toBe(false)
    await carol.getByLabel('Search by name').fill(`dave${tag}`)
    await carol.getByRole('button', { name: 'Search' }).click()
    await carol.getByRole('button', { name: 'Add Dave as a friend' }).click()
    await eventually(() => carol.getByRole('status').textContent()).toBe('Friend request sent to Dave.')
  })

  it('sets a new password through the mailed reset link', async () => {
    const erin = person('Erin', randomBytes(3).toString('hex'))
    const page = await (await browser.newContext()).newPage()
    await signUp(page, erin)
    await page.locator('#forgot').getByLabel('Email').fill(erin.email)
    await page.getByRole('button', { name: 'Mail me a reset link' }).click()
    await eventually(() => page.getByRole('status').textContent()).toContain(
      `If an account uses ${erin.email}`,
    )
    const mail = await lastMailTo(erin.email)
    const link = /https?:\/\/\S+\/reset-password#token=\S+/.exec(mail.text)?.[0]
    if (!link) throw new Error(`no reset link in "${mail.subject}"`)
    await page.goto(link)
    await eventually(() => page.locator('#reset-form').getByLabel('New password').isVisible()).toBe(true)
    expect(new URL(page.url()).hash).toBe('')
    const renewed = { ...erin, password: `${erin.password}-new` }
    await page.locator('#reset-form').getByLabel('New password').fill(renewed.password)
    await page.getByRole('button', { name: 'Set the password' }).click()
    await eventually(() => page.getByRole('status').textContent()).toContain('Your password is changed')
    await logIn(page, renewed)
  })
})
