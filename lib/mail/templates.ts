// The account mails' words. Links carry their token in the fragment, which browsers never send to a server.
import type { Mail } from './message.ts'

const link = (appUrl: string, page: string, token: string) =>
  `${new URL(page, appUrl).toString()}#token=${encodeURIComponent(token)}`

const signature =
  '\n\n-- \nChat-Service. You get this mail because someone entered your address on our site.\n'

export function verifyAddressMail(to: string, appUrl: string, token: string): Mail {
  return {
    to,
    subject: 'Verify your address for Chat-Service',
    text:
      'Welcome to Chat-Service. Open this link within 24 hours to verify your address:\n\n' +
      `${link(appUrl, '/verify-email', token)}\n\n` +
      'If you did not sign up, ignore this mail: the account stays unverified.' +
      signature,
  }
}

export function signupAttemptMail(to: string, appUrl: string): Mail {
  return {
    to,
    subject: 'Someone tried to sign up to Chat-Service with your address',
    text:
      'Someone tried to create a Chat-Service account with your address, which already has one. ' +
      'If it was you, sign in instead; if you forgot your password, reset it here:\n\n' +
      `${new URL('/reset-password', appUrl).toString()}\n\n` +
      'If it was not you, ignore this mail: nothing changed.' +
      signature,
  }
}

export function passwordResetMail(to: string, appUrl: string, token: string): Mail {
  return {
    to,
    subject: 'Reset your Chat-Service password',
    text:
      'Open this link within 30 minutes to choose a new password. It works once, and signs you out everywhere:\n\n' +
      `${link(appUrl, '/reset-password', token)}\n\n` +
      'If you did not ask for this, ignore this mail: your password stays as it is.' +
      signature,
  }
}

export function noAccountMail(to: string): Mail {
  return {
    to,
    subject: 'Chat-Service password reset',
    text:
      'Someone asked to reset the password of a Chat-Service account with this address, but there is no such ' +
      'account. If it was not you, ignore this mail.' +
      signature,
  }
}
