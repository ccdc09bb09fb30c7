// The one place the console calls fetch: same-origin requests with the session cookie, the
// CSRF token on every change (API.md "Auth"), and problem+json turned into ApiError.
import { fieldLabels, problemMessage } from '../i18n/zh-CN'

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly field?: string,
  ) {
    super(problemMessage(code, detail))
  }
}

// What a page shows for a failed call: the API's message in Chinese and the field at fault.
export function errorText(e: unknown): string {
  if (!(e instanceof ApiError)) return String(e)
  return e.field ? `${e.message}（${fieldLabels[e.field] ?? e.field}）` : e.message
}

let csrfToken = ''
let onUnauthorized: (() => void) | null = null

export function setCsrfToken(token: string): void {
  csrfToken = token
}

// Called when the session ended under a page (401): the router sends the user to /login.
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler
}

export type Query = Record<string, string | number | undefined | null>

function withQuery(path: string, query?: Query): string {
  if (!query) return path
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value))
  const text = params.toString()
  return text ? `${path}?${text}` : path
}

export async function request<T>(
  method: string,
  path: string,
  options: { query?: Query; body?: unknown; quiet401?: boolean } = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', 'Accept-Language': 'zh-CN' }
  if (method !== 'GET') {
    headers['Content-Type'] = 'application/json'
    if (csrfToken) headers['X-CSRF-Token'] = csrfToken
  }
  const response = await fetch(withQuery(path, options.query), {
    method,
    headers,
    credentials: 'same-origin',
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  })
  if (response.status === 204) return undefined as T
  const text = await response.text()
  const data = text ? JSON.parse(text) : undefined
  if (!response.ok) {
    if (response.status === 401 && !options.quiet401 && onUnauthorized) onUnauthorized()
    throw new ApiError(response.status, data?.code ?? 'bad_request', data?.detail ?? '', data?.field)
  }
  return data as T
}

export const get = <T>(path: string, query?: Query) => request<T>('GET', path, { query })
export const post = <T>(path: string, body: unknown = {}) => request<T>('POST', path, { body })
export const patch = <T>(path: string, body: unknown) => request<T>('PATCH', path, { body })
