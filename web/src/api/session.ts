// API.md "Auth": logging in and out, the current session.
import { request } from './http'

export interface Me {
  id: string
  name: string
  role: 'admin' | 'committee' | 'unit' | 'branch' | 'expert' | 'auditor'
  org: string
  org_name: string | null
}

export interface SessionAnswer {
  user: Me
  csrf: string
}

export const login = (user: string, password: string) =>
  request<SessionAnswer>('POST', '/v1/session', { body: { user, password }, quiet401: true })
export const currentSession = () =>
  request<SessionAnswer>('GET', '/v1/session', { quiet401: true })
export const logout = () => request<void>('DELETE', '/v1/session', { quiet401: true })
