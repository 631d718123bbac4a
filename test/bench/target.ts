// What a scenario runs against: the service or the bare server, set up differently, measured by the same clients.
import type { ProbeReport } from './probe.ts'

export interface Person {
  id: string
  /** What the client puts in `?token=` and `Authorization`: an access token, or for the bare server the id. */
  token: string
}

export interface Target {
  kind: 'bare' | 'service'
  httpUrl: string
  wsUrl: string
  /** The process whose tree holds every process of the server, stores included. */
  pid: number
  /**
   * The first `count` users, made on first need and kept for the run. Where friendship matters, the first is friends
   * with every other, and each pair (0, 1), (2, 3), ... are friends: groups are owned by the first, direct
   * conversations are between pairs.
   */
  people(count: number): Promise<Person[]>
  /** A group of the owner and members; its id. */
  group(owner: Person, members: readonly Person[]): Promise<string>
  /** The pair's direct conversation; its id. */
  direct(a: Person, b: Person): Promise<string>
  /** Adds seeded messages from `sender` until the conversation holds `depth`. */
  seedHistory(conversationId: string, sender: Person, depth: number): Promise<void>
  /** The service's round-trip log, from `mark` to `take`; the bare server has no stores to count. */
  probe?: { mark(): Promise<void>; take(): Promise<ProbeReport> }
  stop(): Promise<void>
}

export const targetLabels: Record<Target['kind'], string> = { bare: 'bare ws', service: 'Chat-Service' }
