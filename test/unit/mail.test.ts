// Account mail as written: headers a crafted value cannot extend, a body that decodes to the text, files found by name.
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { logNewMail, readMailFile } from '../../infra/local/mail-log.ts'
import { renderMail } from '../../lib/mail/message.ts'
import { fileOutbox, mailFileName } from '../../lib/mail/outbox.ts'
import { passwordResetMail, signupAttemptMail, verifyAddressMail } from '../../lib/mail/templates.ts'

const folders: string[] = []
afterAll(async () => {
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })))
})

describe('renderMail', () => {
  it('keeps a line break in a recipient or subject from starting a header of its own', () => {
    const raw = renderMail(
      { to: 'a@example.com\r\nBcc: victim@example.com', subject: 'Hi\nX-Evil: 1', text: 'body' },
      'Chat <no-reply@chat.example.com>',
    )
    const head = raw.split('\r\n\r\n')[0] ?? ''
    expect(head).not.toMatch(/^Bcc:/m)
    expect(head).not.toMatch(/^X-Evil:/m)
    expect(head).toMatch(/^Message-ID: <[0-9a-f]{24}@chat\.example\.com>$/m)
  })

  it('encodes a non-ASCII subject as an encoded word and the body as base64 that reads back', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'mail-'))
    folders.push(folder)
    await fileOutbox(
      folder,
      'no-reply@example.com',
    )({ to: 'zoë@example.com', subject: 'Grüße', text: 'Hallo\nWelt ✓' })
    const [name] = await readdir(folder)
    const mail = await readMailFile(join(folder, name ?? ''))
    expect(mail).toMatchObject({ to: 'zoë@example.com', subject: 'Grüße', text: 'Hallo\r\nWelt ✓' })
    expect(name).toContain('-zo_@example.com-')
  })
})

describe('templates', () => {
  it('put the token in the fragment of the client page, and the signup attempt mail carries none', () => {
    const token = 'A'.repeat(43)
    expect(verifyAddressMail('a@example.com', 'https://app.example.com', token).text).toContain(
      `https://app.example.com/verify-email#token=${token}`,
    )
    expect(passwordResetMail('a@example.com', 'https://app.example.com/', token).text).toContain(
      `https://app.example.com/reset-password#token=${token}`,
    )
    expect(signupAttemptMail('a@example.com', 'https://app.example.com').text).not.toContain('#token=')
  })
})

describe('mail file names', () => {
  it('sort by time and name the recipient', () => {
    const earlier = mailFileName('b@example.com', new Date('2026-01-01T00:00:00Z'))
    const later = mailFileName('a@example.com', new Date('2026-01-01T00:00:01Z'))
    expect([later, earlier].sort()).toEqual([earlier, later])
    expect(earlier).toMatch(/^2026-01-01T00-00-00-000Z-b@example\.com-[0-9a-f]{6}\.eml$/)
  })
})

describe('npm run dev', () => {
  it('lists each new mail with its file and links', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'mail-'))
    folders.push(folder)
    const lines: string[] = []
    const watching = logNewMail(folder, (line) => lines.push(line))
    try {
      await fileOutbox(
        folder,
        'no-reply@example.com',
      )(verifyAddressMail('ada@example.com', 'http://localhost:5173', 'B'.repeat(43)))
      await vi.waitFor(() => expect(lines.join('\n')).toContain('#token=BBBB'), { timeout: 10_000 })
      expect(lines[0]).toMatch(
        /^Mail to ada@example\.com: "Verify your address for Chat-Service"\n {2}file:\/\//,
      )
    } finally {
      await watching.stop()
    }
  })
})
