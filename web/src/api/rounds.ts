// API.md "Rounds": review rounds, nominations, experts, scores, results.
import { get, post } from './http'

export interface Criterion {
  key: string
  name: string
  max: number
}

export interface Quotas {
  top10: number
  demonstration: number
  excellent: number
}
export type Thresholds = Quotas & { rectify: number }

// What the committee sets when it opens a round (API.md POST /v1/rounds); omitted fields
// take DOMAIN.md's defaults.
export interface RoundConfig {
  name: string
  year: number
  kind: 'selection' | 're_review'
  quotas?: Quotas
  unit_quota?: number | null
  thresholds?: Thresholds
  rubric?: Criterion[]
  drop_extremes?: boolean
  min_scores?: number
  notice_days?: number
  validity_years?: number
}

export interface Round extends Required<RoundConfig> {
  id: string
  state: 'open' | 'scoring' | 'closed' | 'notice' | 'finalized'
  nominated: string[]
  experts: string[]
  notice_ends: string | null
  version: number
}

export interface Result {
  brand: string
  rank: number | null
  final: number | null
  n_scores: number
  outcome: string | null
  title: string | null
  // dropped: left out of the final by drop_extremes (the committee and auditors see it)
  scores?: { expert: string; total: number; by_criterion: Record<string, number>; dropped?: boolean }[]
}

const path = (id: string, rest = '') => `/v1/rounds/${encodeURIComponent(id)}${rest}`
export const listRounds = () => get<{ items: Round[] }>('/v1/rounds')
export const getRound = (id: string) => get<Round>(path(id))
export const createRound = (round: RoundConfig) => post<Round>('/v1/rounds', round)
export const nominate = (id: string, brand: string) => post<Round>(path(id, '/nominations'), { brand })
export const assignExperts = (id: string, experts: string[]) => post<Round>(path(id, '/experts'), { experts })
export const advanceRound = (id: string, step: 'start' | 'close' | 'notice' | 'finalize', comment: string, force = false) =>
  post<Round>(path(id, `/${step}`), { ...(comment ? { comment } : {}), ...(force ? { force } : {}) })
export const submitScores = (id: string, brand: string, scores: Record<string, number>) =>
  post<Round>(path(id, '/scores'), { brand, scores })
export const results = (id: string) => get<{ items: Result[] }>(path(id, '/results'))
