// Function bundles resolve AWS credentials from the environment only, as Lambda provides them
// (infra/cloud/bundling/lambda-credentials.ts stands in for the SDK's default chain), and carry none of the
// chain's other links.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, test } from 'vitest'
import {
  credentialsTreatedAsExpired,
  credentialsWillNeedRefresh,
} from '../../infra/cloud/bundling/lambda-credentials.ts'
import { bundledForTests } from './bundled-for-tests.ts'

const run = promisify(execFile)

// An SDK client as a function makes one, asked for the credentials it would sign with.
const source = `import { SQSClient } from '@aws-sdk/client-sqs'
const client = new SQSClient({ region: 'eu-west-1' })
try {
  const credentials = await client.config.credentials()
  console.log(JSON.stringify({ credentials }))
} catch (error) {
  console.log(JSON.stringify({ error: error.name + ': ' + error.message }))
}
`

const bundle = bundledForTests('credentials', source, {
  sourcefile: 'functions/credentials.ts',
  timeoutMs: 60_000,
})

const credentialsIn = async (env: Record<string, string>) => {
  // HOME points at an empty folder: no profile or SSO cache could answer instead.
  const { file, dir } = bundle()
  const { stdout } = await run(process.execPath, [file], {
    env: { PATH: process.env.PATH, HOME: dir, ...env },
  })
  return JSON.parse(stdout) as { credentials?: Record<string, unknown>; error?: string }
}

describe('AWS credentials in a function bundle', () => {
  test('are the role credentials Lambda puts in the environment', async () => {
    const answer = await credentialsIn({
      AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'session',
    })
    expect(answer.credentials).toMatchObject({
      accessKeyId: 'ASIAEXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'session',
    })
  })

  test('without them, fail at once naming the environment, rather than trying profiles or instance metadata', async () => {
    const started = performance.now()
    const answer = await credentialsIn({ AWS_PROFILE: 'elsewhere' })
    expect(answer.error).toBe('CredentialsProviderError: Unable to find environment variable credentials.')
    // No link of the default chain ran: the metadata endpoints it would have tried take a second or more to give up.
    expect(performance.now() - started).toBeLessThan(5_000)
  })

  test("the bundle holds none of the default chain's other links or the clients they use", () => {
    const [, output] = Object.entries(bundle().metafile.outputs).find(([file]) => file.endsWith('.mjs')) ?? []
    const inputs = Object.keys(output?.inputs ?? {})
    expect(inputs.some((input) => input.includes('node_modules/@aws-sdk/client-sqs/'))).toBe(true)
    const chain = inputs.filter((input) =>
      /node_modules\/(@aws-sdk\/(credential-provider-(?!env\/)[a-z-]+|nested-clients|token-providers)|@smithy\/credential-provider-imds)\//.test(
        input,
      ),
    )
    expect(chain).toEqual([])
  })

  test('are fetched again within five minutes of expiring, as the default chain does', () => {
    const inMinutes = (minutes: number) => new Date(Date.now() + minutes * 60_000)
    const credentials = (expiration?: Date) => ({ accessKeyId: 'a', secretAccessKey: 's', expiration })
    expect(credentialsWillNeedRefresh(credentials())).toBe(false)
    expect(credentialsWillNeedRefresh(credentials(inMinutes(60)))).toBe(true)
    expect(credentialsTreatedAsExpired(credentials())).toBe(false)
    expect(credentialsTreatedAsExpired(credentials(inMinutes(6)))).toBe(false)
    expect(credentialsTreatedAsExpired(credentials(inMinutes(4)))).toBe(true)
  })
})
