// Secrets Manager values, fetched once per cold start and cached by Powertools.
import { getSecret } from '@aws-lambda-powertools/parameters/secrets'

export async function secretJson<T extends Record<string, unknown>>(secretArn: string): Promise<T> {
  const value = (await getSecret(secretArn, { transform: 'json', maxAge: 300 })) as T | undefined
  if (!value || typeof value !== 'object') throw new Error(`secret ${secretArn} is empty or not JSON`)
  return value
}
