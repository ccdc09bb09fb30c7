// API.md "The log": the audit trail, single events with their hashes, the chain's checks.
import { get, type Query } from './http'
import type { HistoryEntry, Page } from './brands'

export interface AuditFilter extends Query {
  actor?: string
  brand?: string
  round?: string
  type?: string
  org?: string
  from?: string
  to?: string
  limit?: number
  after?: string
}

export type AuditEntry = HistoryEntry & { stream: string; version: number }

export interface LoggedEvent {
  position: number
  stream: string
  type: string
  occurred_at: string
  recorded_at: string
  data: unknown
  prev_hash: string
  hash: string
}

export interface Verification {
  ok: boolean
  events: number
  head: string
  views_ok?: boolean
  views_differing?: string[]
  first_bad_position?: number
  problem?: string
}

// The node's place in a replicated log (docs/SCALE-OUT.md); absent on a single node.
export interface NodeReplication {
  role: 'writer' | 'replica'
  sequence: number
  behind: number
  behind_seconds: number
  degraded?: boolean
  problem?: string
}

export interface Health {
  ok: boolean
  status: string
  chain: { checked: boolean; ok: boolean; events?: number; at?: string }
  replication?: NodeReplication
}

export const audit = (filter: AuditFilter) => get<Page<AuditEntry>>('/v1/audit', filter)
export const eventAt = async (position: number) =>
  (await get<{ items: LoggedEvent[] }>('/v1/events', { after: position - 1, limit: 1 })).items[0]
export const verify = () => get<Verification>('/v1/admin/verify')
export const health = () => get<Health>('/healthz')
