// API.md "Orgs and users": the assessment settings (points for filing and for each title).
import { get, request } from './http'

export interface Settings {
  assessment: { filed_points: number; title_bonus: Record<string, number> }
  version: number
}

export const getSettings = () => get<Settings>('/v1/settings')
export const putSettings = (assessment: Settings['assessment']) =>
  request<Settings>('PUT', '/v1/settings', { body: { assessment, comment: '修改年度考核分值' } })
