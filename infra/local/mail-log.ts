// Local mail as a developer sees it: each .eml file read back, and every new one printed by `npm run dev`.
import { type FSWatcher, watch } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'

export interface ReadMail {
  file: string
  to: string
  subject: string
  text: string
}

/** Reads one .eml file the file outbox wrote (lib/mail/outbox.ts): headers, then a base64 text body. */
export async function readMailFile(file: string): Promise<ReadMail> {
  const raw = await readFile(file, 'utf8')
  const [head = '', body = ''] = raw.split('\r\n\r\n', 2)
  const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'mi').exec(head)?.[1]?.trim() ?? ''
  const subject = header('Subject')
  const encoded = /^=\?UTF-8\?B\?(.*)\?=$/.exec(subject)?.[1]
  return {
    file,
    to: header('To'),
    subject: encoded ? Buffer.from(encoded, 'base64').toString('utf8') : subject,
    text: Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8'),
  }
}

/** Prints each mail written to `directory` from now on: recipient, subject, file, and the links to click. */
export function logNewMail(directory: string, log: (line: string) => void): { stop(): Promise<void> } {
  const seen = new Set<string>()
  const watcher: FSWatcher = watch(directory, (_event, name) => {
    if (!name?.endsWith('.eml') || name.startsWith('.') || seen.has(name)) return
    seen.add(name)
    readMailFile(join(directory, name)).then(
      (mail) => {
        log(`Mail to ${mail.to}: "${mail.subject}"\n  file://${mail.file}`)
        for (const link of mail.text.match(/https?:\/\/\S+/g) ?? []) log(`  ${link}`)
      },
      (error: Error) => log(`Mail ${name}: not readable (${error.message})`),
    )
  })
  return {
    stop: async () => watcher.close(),
  }
}
