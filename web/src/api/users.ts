// API.md "Orgs and users": user administration, passwords, API tokens.
import { get, patch, post, request } from './http'

export interface User {
  id: string
  name: string
  role: string
  org: string
  disabled: boolean
  password_set_at: string | null
}

export interface Token {
  id: string
  name: string
  created_at: string
  last_used: string | null
}

export const listUsers = (query: { q?: string; role?: string; org?: string }) =>
  get<{ items: User[] }>('/v1/users', query)
export const createUser = (user: { id: string; name: string; role: string; org?: string; password?: string }) =>
  post<User & { token: string }>('/v1/users', user)
export const updateUser = (id: string, change: Partial<Pick<User, 'name' | 'role' | 'org' | 'disabled'>>) =>
  patch<User>(`/v1/users/${encodeURIComponent(id)}`, change)
export const setPassword = (id: string, password: string, current?: string) =>
  request<User>('PUT', `/v1/users/${encodeURIComponent(id)}/password`, { body: { password, current } })
export const listTokens = (id: string) => get<{ items: Token[] }>(`/v1/users/${encodeURIComponent(id)}/tokens`)
export const issueToken = (id: string, name: string) =>
  post<Token & { token: string }>(`/v1/users/${encodeURIComponent(id)}/tokens`, { name })
export const revokeToken = (id: string, token: string) =>
  request<{ id: string; revoked: boolean }>('DELETE', `/v1/users/${encodeURIComponent(id)}/tokens/${encodeURIComponent(token)}`)
