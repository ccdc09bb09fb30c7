// Times as people in the programme read them: Beijing time (Asia/Shanghai, UTC+8 all year).
const formatter = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
})
const dateFormatter = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
})

export function beijingTime(rfc3339: string | null | undefined): string {
  return rfc3339 ? formatter.format(new Date(rfc3339)) : '—'
}

export function beijingDate(rfc3339: string | null | undefined): string {
  return rfc3339 ? dateFormatter.format(new Date(rfc3339)) : '—'
}

// The year it is now in Beijing (a browser elsewhere may already be, or still be, in another).
export function beijingYear(now: Date = new Date()): number {
  return new Date(now.getTime() + 8 * 3600 * 1000).getUTCFullYear()
}
