// Where account mail goes: SES v2 in AWS, .eml files under MAIL_DIR in local runs.
import { randomBytes } from 'node:crypto'
import { mkdir, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2'
import { config } from '../config.ts'
import { sesClient } from '../stores/ses.ts'
import { renderMail, type SendMail } from './message.ts'

/** A file name that sorts by time and names the recipient, so a developer (or a test) finds a mail by address. */
export function mailFileName(to: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-')
  const recipient = to.toLowerCase().replace(/[^a-z0-9@._+-]/g, '_')
  return `${stamp}-${recipient}-${randomBytes(3).toString('hex')}.eml`
}

/** Written under a temporary name, then renamed: whoever watches the folder never reads half a mail. */
export function fileOutbox(directory: string, from: string): SendMail {
  return async (mail) => {
    await mkdir(directory, { recursive: true })
    const name = mailFileName(mail.to)
    const partial = join(directory, `.${name}.partial`)
    await writeFile(partial, renderMail(mail, from), { mode: 0o600 })
    await rename(partial, join(directory, name))
  }
}

export function sesOutbox(client: () => SESv2Client, from: string, configurationSet?: string): SendMail {
  return async (mail) => {
    await client().send(
      new SendEmailCommand({
        FromEmailAddress: from,
        Destination: { ToAddresses: [mail.to] },
        Content: {
          Simple: {
            Subject: { Data: mail.subject, Charset: 'UTF-8' },
            Body: { Text: { Data: mail.text, Charset: 'UTF-8' } },
          },
        },
        ...(configurationSet ? { ConfigurationSetName: configurationSet } : {}),
      }),
    )
  }
}

/** The outbox the configuration names, chosen on the first mail. */
export function configuredOutbox(): SendMail {
  let outbox: SendMail | undefined
  return (mail) => {
    if (!outbox) {
      const env = config()
      outbox = env.MAIL_DIR
        ? fileOutbox(env.MAIL_DIR, env.MAIL_FROM)
        : sesOutbox(sesClient, env.MAIL_FROM, env.SES_CONFIGURATION_SET)
    }
    return outbox(mail)
  }
}
