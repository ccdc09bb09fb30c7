// API.md "Brands": the brand list, one brand (as of a date), its history and actions.
import { get, patch, post, type Query } from './http'

export interface Brand {
  id: string
  name: string
  branch: string
  branch_name: string
  unit: string
  org_type: string
  state: string
  state_label: string
  title: string | null
  title_label: string | null
  filing_no: string | null
  filed_at: string | null
  named_at: string | null
  valid_until: string | null
  re_review_due: string | null
  reapply_after: string | null // cooling-off: not nominated again before then
  rectify_by?: string | null
  appeal_until?: string | null // the last demotion or revocation may be appealed until then
  objections?: { id: string; reason: string; raised_by: string; status: 'pending' | 'upheld' | 'dismissed' }[]
  slogan: string
  theme: string
  connotation: string
  features: string
  effects: string
  business_link: string
  plan: unknown
  version: number
  created_at: string
  updated_at: string
}

export interface Page<T> {
  items: T[]
  next: string | null
}

export interface HistoryEntry {
  position: number
  type: string
  occurred_at: string
  actor: { id: string; name: string; role: string; org: string }
  comment: string
  from_state: string | null
  to_state: string | null
  data: Record<string, unknown>
}

export interface Actions {
  allowed: { action: string; needs: string[] }[]
  denied: { action: string; code: string; detail: string; until?: string }[]
}

export interface BrandFilter extends Query {
  state?: string
  unit?: string
  title?: string
  q?: string
  limit?: number
  after?: string
}

export const listBrands = (filter: BrandFilter) => get<Page<Brand>>('/v1/brands', filter)
export const reReviewsDue = (before: string) => get<{ items: Brand[] }>('/v1/re-reviews/due', { before })
export const getBrand = (id: string, asOf?: string) =>
  get<Brand>(`/v1/brands/${encodeURIComponent(id)}`, { as_of: asOf })
export const brandHistory = (id: string) =>
  get<{ items: HistoryEntry[] }>(`/v1/brands/${encodeURIComponent(id)}/history`)
export const brandActions = (id: string) =>
  get<Actions>(`/v1/brands/${encodeURIComponent(id)}/actions`)
export const createBrand = (content: Record<string, string>) => post<Brand>('/v1/brands', content)
export const editBrand = (id: string, content: Record<string, unknown>) =>
  patch<Brand>(`/v1/brands/${encodeURIComponent(id)}`, content)
export const brandAction = (id: string, action: string, body: Record<string, unknown>) =>
  post<Brand>(`/v1/brands/${encodeURIComponent(id)}/${action === 'objections' ? 'objections' : action}`, body)

// The committee's decision on an objection raised during the notice (API.md): upheld sends
// the brand back to filed, dismissed lets the naming go on.
export const decideObjection = (brand: string, objection: string, upheld: boolean, comment: string) =>
  post<Brand>(`/v1/brands/${encodeURIComponent(brand)}/objections/${encodeURIComponent(objection)}/decision`, { upheld, comment })
