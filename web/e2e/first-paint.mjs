// The console's pages on a large history, in headless Chromium over loopback: how long each
// takes from navigation to its first paint, and to showing its data (a table's first row,
// a chart's canvas). Printed, not asserted: bench/scale_bench.sh runs it on the generated
// ten-million-event history (docs/PERFORMANCE.md "At scale"). Not a test file (node --test
// e2e/ does not pick it up).
//
//   node e2e/first-paint.mjs BASE USER PASSWORD
import { login, newPage, startBrowser } from './harness.mjs'

const [base, user, password] = process.argv.slice(2)
if (!password) {
  console.error('usage: node e2e/first-paint.mjs BASE USER PASSWORD')
  process.exit(2)
}

// A body row (one with cells), not the header's.
const firstRow = (page) => page.getByRole('row').filter({ has: page.getByRole('cell') }).first()
const pages = [
  ['工作台', '/', (page) => page.getByRole('heading', { name: '工作台' })],
  ['品牌库', '/brands', firstRow],
  ['品牌库 ?state=named', '/brands?state=named', firstRow],
  ['审计追溯', '/audit', firstRow],
  ['统计报表', '/reports', (page) => page.getByRole('img', { name: '各单位一支部一品牌覆盖率' }).locator('canvas')],
  ['统计报表 ?as_of', '/reports?as_of=2016-06-30', (page) => page.getByRole('img', { name: '各单位品牌状态分布' }).locator('canvas')],
  ['复评管理', '/re-reviews', (page) => page.getByRole('heading', { name: '复评管理' })],
]

const browser = await startBrowser()
try {
  const page = await newPage(browser)
  await login(page, base, user, password)
  console.log(`${'page'.padEnd(24)} ${'first paint'.padStart(12)} ${'data shown'.padStart(12)}`)
  for (const [name, path, ready] of pages) {
    // Twice: the first load also fetches the page's code; the second is a user's next visit.
    for (const visit of ['', ' (again)']) {
      const start = Date.now()
      await page.goto(base + path)
      await ready(page).waitFor({ timeout: 30000 })
      const shown = Date.now() - start
      const paint = await page.evaluate(
        () => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
      )
      // (Chromium gives no first-contentful-paint entry for some loads: shown as "-".)
      const painted = Number.isNaN(paint) ? '-' : `${Math.round(paint)} ms`
      console.log(`${(name + visit).padEnd(24)} ${painted.padStart(12)} ${`${shown} ms`.padStart(12)}`)
    }
  }
} finally {
  await browser.close()
}
