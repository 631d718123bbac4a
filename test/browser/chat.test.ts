// Two people in two browser contexts of headless Chromium, through the web client against the local runtime:
// sign up, find each other, befriend, chat both ways in real time, typing and presence, a file, history on reload.
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
    env: { ...process.env, STAGE: `browser-${randomBytes(4).toString('hex')}`, ALLOWED_ORIGINS: origin },
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

async function signUp(page: Page, name: string, tag: string) {
  page.on('pageerror', (error) => console.error(`${name}'s page: ${error.message}`))
  await page.goto(`${runtime.httpUrl}/app/`)
  const form = page.locator('#signup')
  await form.getByLabel('Email').fill(`${name.toLowerCase()}${tag}@example.com`)
  await form.getByLabel('Username').fill(`${name.toLowerCase()}${tag}`)
  await form.getByLabel('Display name').fill(name)
  await form.getByLabel('Password').fill(`Pw-${tag}-${randomBytes(6).toString('hex')}`)
  await form.getByRole('button', { name: 'Sign up' }).click()
  await eventually(() => page.locator('#me').textContent()).toContain(`Signed in as ${name}`)
  expect(await page.locator('#signed-out').isVisible()).toBe(false)
}

describe('the web client in Chromium', () => {
  it('takes two people from signing up to chatting, sharing a file and reading history after a reload', async () => {
    const tag = randomBytes(3).toString('hex')
    const [alice, bob] = [
      await (await browser.newContext()).newPage(),
      await (await browser.newContext()).newPage(),
    ]
    await signUp(alice, 'Alice', tag)
    await signUp(bob, 'Bob', tag)
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
})
