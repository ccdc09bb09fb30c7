// API.md "Rounds": review rounds, nominations, experts, scores, results.
import { get, post } from './http'

export interface Criterion {
  key: string
  name: string
  max: number
}

export interface Round {
  id: string
  name: string
  year: number
  kind: 'selection' | 're_review'
  state: 'open' | 'scoring' | 'closed' | 'notice' | 'finalized'
  rubric: Criterion[]
  nominated: string[]
  experts: string[]
  notice_ends: string | null
  min_scores: number
  drop_extremes: boolean
  version: number
}

export interface Result {
  brand: string
  rank: number | null
  final: number | null
  n_scores: number
  outcome: string | null
  title: string | null
  scores?: { expert: string; total: number; by_criterion: Record<string, number> }[]
}

const path = (id: string, rest = '') => `/v1/rounds/${encodeURIComponent(id)}${rest}`
export const listRounds = () => get<{ items: Round[] }>('/v1/rounds')
export const getRound = (id: string) => get<Round>(path(id))
export const createRound = (round: { name: string; year: number; kind: string }) => post<Round>('/v1/rounds', round)
export const nominate = (id: string, brand: string) => post<Round>(path(id, '/nominations'), { brand })
export const assignExperts = (id: string, experts: string[]) => post<Round>(path(id, '/experts'), { experts })
export const advanceRound = (id: string, step: 'start' | 'close' | 'notice' | 'finalize', comment: string) =>
  post<Round>(path(id, `/${step}`), comment ? { comment } : {})
export const submitScores = (id: string, brand: string, scores: Record<string, number>) =>
  post<Round>(path(id, '/scores'), { brand, scores })
export const results = (id: string) => get<{ items: Result[] }>(path(id, '/results'))
