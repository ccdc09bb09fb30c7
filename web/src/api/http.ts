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

// The fetch itself: the session cookie, the CSRF token on changes, Chinese problem texts
// (API.md: Accept-Language), and a failure thrown as ApiError.
async function send(
  method: string,
  path: string,
  options: { query?: Query; body?: unknown; quiet401?: boolean; accept?: string },
): Promise<Response> {
  const headers: Record<string, string> = { Accept: options.accept ?? 'application/json', 'Accept-Language': 'zh-CN' }
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
  if (!response.ok) {
    if (response.status === 401 && !options.quiet401 && onUnauthorized) onUnauthorized()
    const text = await response.text()
    let data: { code?: string; detail?: string; field?: string } | undefined
    try {
      data = text ? JSON.parse(text) : undefined
    } catch {
      data = undefined // not problem+json (a proxy's page): the status speaks
    }
    throw new ApiError(response.status, data?.code ?? (response.status >= 500 ? 'unavailable' : 'bad_request'), data?.detail ?? '', data?.field)
  }
  return response
}

export async function request<T>(
  method: string,
  path: string,
  options: { query?: Query; body?: unknown; quiet401?: boolean } = {},
): Promise<T> {
  const response = await send(method, path, options)
  if (response.status === 204) return undefined as T
  const text = await response.text()
  return (text ? JSON.parse(text) : undefined) as T
}

// The file name of an attachment (RFC 6266: filename* in UTF-8 first).
function attachmentName(disposition: string | null): string | undefined {
  if (!disposition) return undefined
  const utf8 = /filename\*=UTF-8''([^;]+)/i.exec(disposition)
  if (utf8) return decodeURIComponent(utf8[1])
  return /filename="([^"]+)"/i.exec(disposition)?.[1]
}

export type FileFormat = 'csv' | 'xlsx'

// Saves an export (API.md: format=csv|xlsx on the brand list, the audit and the reports) as
// the file the server names; a refusal is thrown as ApiError like any call's, never saved.
export async function download(path: string, query: Query, format: FileFormat): Promise<void> {
  const response = await send('GET', path, { query: { ...query, format }, accept: '*/*' })
  const blob = await response.blob()
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = attachmentName(response.headers.get('Content-Disposition')) ?? `export.${format}`
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

export const get = <T>(path: string, query?: Query) => request<T>('GET', path, { query })
export const post = <T>(path: string, body: unknown = {}) => request<T>('POST', path, { body })
export const patch = <T>(path: string, body: unknown) => request<T>('PATCH', path, { body })
