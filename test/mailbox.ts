// Reads the mail a local run wrote under MAIL_DIR, as a developer would open the .eml file.
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { type ReadMail, readMailFile } from '../infra/local/mail-log.ts'
import { mailFileName } from '../lib/mail/outbox.ts'

export type { ReadMail }

/** The part of a mail's file name that names its recipient. */
const recipientPart = (address: string) => {
  const name = mailFileName(address, new Date(0))
  return name.slice(name.indexOf('-', 24), name.lastIndexOf('-') + 1)
}

/** Every mail sent to `address`, oldest first. */
export async function mailTo(address: string, directory = process.env.MAIL_DIR): Promise<ReadMail[]> {
  if (!directory) throw new Error('MAIL_DIR is not set: the local stores set it')
  const part = recipientPart(address)
  const names = (await readdir(directory))
    .filter((name) => name.endsWith('.eml') && name.includes(part))
    .sort()
  return Promise.all(names.map((name) => readMailFile(join(directory, name))))
}

export async function lastMailTo(address: string, directory?: string): Promise<ReadMail> {
  const mails = await mailTo(address, directory)
  const last = mails.at(-1)
  if (!last) throw new Error(`no mail to ${address}`)
  return last
}

/** The token of a mailed link to `page` (`/verify-email`, `/reset-password`). */
export function linkToken(mail: ReadMail, page: string): string {
  const token = new RegExp(`${page}#token=([A-Za-z0-9_-]{43})`).exec(mail.text)?.[1]
  if (!token) throw new Error(`no ${page} link in "${mail.subject}"`)
  return token
}
