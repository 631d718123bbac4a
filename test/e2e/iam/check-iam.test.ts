// npm run check:iam on a recorded fan-out and logout: allowed by the stack's grants, denied once the byUser index
// grant (revocation's lookup of a user's sessions) goes.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { routeTable } from '../../../infra/cloud/route-table.ts'
import {
  checkIam,
  failed,
  formatReport,
  readRecorded,
  synthesizeStage,
} from '../../../infra/iam-check/main.ts'
import {
  installAwsCallRecorder,
  recordingFile,
  stopAwsCallRecorder,
} from '../../../infra/iam-check/record.ts'
import type { CfnTemplate, Stacks } from '../../../infra/iam-check/template.ts'
import { type LocalRuntime, startLocalRuntime } from '../../../infra/local/runtime.ts'
import { befriend, person } from '../../integration/realtime/people.ts'
import { connect, type Device } from '../realtime/sockets.ts'

const dir = mkdtempSync(join(tmpdir(), 'check-iam-test-'))
// Before the runtime loads any handler (under `npm run check:iam` the suite's recorder is already in place).
const ownRecording = !process.env.AWS_CALLS_RECORD_DIR
installAwsCallRecorder(process.env.AWS_CALLS_RECORD_DIR ?? dir)

let runtime: LocalRuntime
let stacks: Stacks
const devices: Device[] = []
const cdkContext = JSON.parse(readFileSync('cdk.json', 'utf8')).context as Record<string, unknown>

beforeAll(async () => {
  runtime = await startLocalRuntime({
    env: { ...process.env, STAGE: `iam-${randomBytes(4).toString('hex')}` },
    httpPort: 0,
    wsPort: 0,
  })
  const [alice, bob] = [await person(), await person()]
  await befriend(alice, bob)
  const [alicePhone, bobPhone] = [
    await connect(runtime.wsUrl, alice.token),
    await connect(runtime.wsUrl, bob.token),
  ]
  devices.push(alicePhone, bobPhone)
  alicePhone.socket.send(
    JSON.stringify({ action: 'sendMessage', toUserId: bob.id, clientMsgId: 'm1', body: 'hi' }),
  )
  await bobPhone.next((frame) => frame.type === 'message.new')
  // A logout ends its session: revocation looks the user's connections up through the byUser index.
  const post = (path: string, body: object) =>
    fetch(`${runtime.httpUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  const tag = randomBytes(4).toString('hex')
  const password = 'a sentence nobody would guess'
  const signedUp = await post('/auth/signup', {
    email: `iam_${tag}@example.com`,
    username: `iam_${tag}`,
    password,
  })
  expect(signedUp.status).toBe(202)
  // An account not yet verified may sign in: its session is what the logout ends.
  const loggedIn = await post('/auth/login', { login: `iam_${tag}`, password })
  const { refreshToken } = (await loggedIn.json()) as { refreshToken: string }
  expect((await post('/auth/logout', { refreshToken })).status).toBe(204)
  stacks = synthesizeStage('dev', cdkContext)
})
afterAll(async () => {
  await Promise.all(devices.map((device) => device.close()))
  await runtime?.stop()
  // The next test file may run in this same process: it must not record into a directory that is gone.
  if (ownRecording) stopAwsCallRecorder()
  rmSync(dir, { recursive: true, force: true })
})

const recorded = () => readRecorded(recordingFile() as string, routeTable)
type Checked = { function: string; action: string; resource: string }
const fanOutLookup = (verdict: Checked) =>
  verdict.function === 'wsSendMessage' &&
  verdict.action === 'dynamodb:BatchGetItem' &&
  verdict.resource.endsWith(':table/chat-service-dev-connections')
const byUserQuery = (verdict: Checked) =>
  verdict.function === 'auth' &&
  verdict.action === 'dynamodb:Query' &&
  verdict.resource.endsWith(':table/chat-service-dev-connections/index/byUser')

/** The stacks with the byUser index taken out of every grant, as Table.fromTableName's grant leaves it. */
function withoutIndexGrant(given: Stacks): Stacks {
  const stripped = structuredClone(given)
  for (const template of Object.values(stripped.templates) as CfnTemplate[]) {
    for (const resource of Object.values(template.Resources)) {
      if (resource.Type !== 'AWS::IAM::Policy') continue
      const document = resource.Properties?.PolicyDocument as { Statement: { Resource: unknown }[] }
      document.Statement = document.Statement.flatMap((statement) => {
        const kept = [statement.Resource].flat().filter((arn) => !JSON.stringify(arn).includes('/index/'))
        return kept.length > 0 ? [{ ...statement, Resource: kept.length === 1 ? kept[0] : kept }] : []
      })
    }
  }
  return stripped
}

describe('check:iam', () => {
  it("allows the fan-out's batch read of the table and revocation's query of the byUser index, with nothing denied", async () => {
    const report = await checkIam({ recorded: recorded(), stacks, stageName: 'dev' })
    expect(report.verdicts.filter(fanOutLookup)).toEqual([expect.objectContaining({ allowed: true })])
    expect(report.verdicts.filter(byUserQuery)).toEqual([expect.objectContaining({ allowed: true })])
    expect(report.verdicts.filter((verdict) => !verdict.allowed)).toEqual([])
    expect(report.problems).toEqual([])
  })

  it('fails, naming the call, when the grant leaves out the byUser index', async () => {
    const report = await checkIam({
      recorded: recorded(),
      stacks: withoutIndexGrant(stacks),
      stageName: 'dev',
    })
    expect(report.verdicts.filter(byUserQuery)).toEqual([
      expect.objectContaining({ allowed: false, result: 'ImplicitlyDenied' }),
    ])
    expect(failed(report)).toBe(true)
    expect(formatReport(report)).toMatch(
      /auth: dynamodb:Query on arn:aws:dynamodb:us-east-1:123456789012:table\/chat-service-dev-connections\/index\/byUser/,
    )
  })
})
