import { describe, expect, it } from 'vitest'
import { closeConnection, postFrame } from '../../lib/delivery/frames.ts'
import { type ConnectionsApi, ConnectionsApiError } from '../../lib/stores/ws-management.ts'

const sdkError = (name: string, status: number) => new ConnectionsApiError(name, status, name)

function clientAnswering(...outcomes: (Error | undefined)[]) {
  const calls: { input: { ConnectionId: string; Data?: Uint8Array } }[] = []
  const answer = async (input: { ConnectionId: string; Data?: Uint8Array }) => {
    calls.push({ input })
    const outcome = outcomes.shift()
    if (outcome) throw outcome
  }
  const client: ConnectionsApi = {
    post: (ConnectionId, Data) => answer({ ConnectionId, Data }),
    delete: (ConnectionId) => answer({ ConnectionId }),
  }
  return { client, calls }
}

describe('posting frames', () => {
  it('sends the frame as JSON to the connection', async () => {
    const { client, calls } = clientAnswering(undefined)
    expect(await postFrame(client, 'abc=', { type: 'pong' })).toBe('sent')
    const input = calls[0]?.input as { ConnectionId: string; Data: Uint8Array }
    expect(input.ConnectionId).toBe('abc=')
    expect(JSON.parse(new TextDecoder().decode(input.Data))).toEqual({ type: 'pong' })
  })

  it('reports a gone connection once, without retrying it', async () => {
    const { client, calls } = clientAnswering(sdkError('GoneException', 410))
    expect(await postFrame(client, 'gone=', { type: 'pong' })).toBe('gone')
    expect(calls).toHaveLength(1)
  })

  it('retries the account throttle and then delivers', async () => {
    const { client, calls } = clientAnswering(sdkError('LimitExceededException', 429), undefined)
    expect(await postFrame(client, 'busy=', { type: 'pong' })).toBe('sent')
    expect(calls).toHaveLength(2)
  })

  it('gives up on the throttle after bounded retries', async () => {
    const throttled = Array.from({ length: 10 }, () => sdkError('LimitExceededException', 429))
    const { client, calls } = clientAnswering(...throttled)
    await expect(postFrame(client, 'busy=', { type: 'pong' })).rejects.toMatchObject({
      name: 'LimitExceededException',
    })
    expect(calls).toHaveLength(5)
  })

  it('surfaces other failures to the caller', async () => {
    const { client } = clientAnswering(sdkError('ForbiddenException', 403))
    await expect(postFrame(client, 'x=', { type: 'pong' })).rejects.toMatchObject({
      name: 'ForbiddenException',
    })
  })

  it('treats closing a gone connection as done', async () => {
    const { client } = clientAnswering(sdkError('GoneException', 410))
    expect(await closeConnection(client, 'gone=')).toBe('gone')
  })
})
