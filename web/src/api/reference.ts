// Reference data the pages share: the lifecycle (states and their labels) and the orgs.
import { get, post } from './http'

export interface Lifecycle {
  states: { code: string; label: string }[]
  transitions: { from: string | null; to: string; action: string; role: string }[]
}

export interface Org {
  id: string
  name: string
  kind: 'committee' | 'unit' | 'branch'
  parent: string | null
  org_type: string | null
  dissolved: boolean
}

let lifecycleOnce: Promise<Lifecycle> | null = null
// The lifecycle never changes while the server runs: asked once per page load.
export const lifecycle = () => (lifecycleOnce ??= get<Lifecycle>('/v1/lifecycle'))

export async function stateLabels(): Promise<Record<string, string>> {
  return Object.fromEntries((await lifecycle()).states.map((s) => [s.code, s.label]))
}
export const orgs = () => get<{ items: Org[] }>('/v1/orgs')
export const createOrg = (org: { id: string; name: string; kind: string; parent?: string; org_type?: string }) =>
  post<Org>('/v1/orgs', org)
export const dissolveOrg = (id: string, reason: string, comment: string) =>
  post<Org>(`/v1/orgs/${encodeURIComponent(id)}/dissolve`, { reason, comment })
