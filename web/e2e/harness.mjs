// A real BrandLedger server with the demo data and Debian's Chromium driven by
// playwright-core, for the console's end-to-end tests. A failing step saves a screenshot and
// the page's console log under e2e/out/.
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const here = dirname(fileURLToPath(import.meta.url))
export const webRoot = join(here, '..')
export const outDir = join(here, 'out')
export const adminToken = 'e2e-admin-token-0123456789abcdef'
export const demoPassword = 'e2e-demo-password'
const binary = process.env.BRANDLEDGER_BINARY ?? join(webRoot, '..', 'build', 'app', 'brandledger')

// `demo`: load the demo data (not on a replica, which gets everything from its writer);
// `args`: more of serve's options (--nats ...).
export async function startServer({ demo = true, args = [] } = {}) {
  const data = mkdtempSync(join(tmpdir(), 'brandledger-e2e-'))
  const child = spawn(
    binary,
    ['serve', '--data', join(data, 'd'), ...(demo ? ['--demo'] : []), '--manual-clock', '--listen', '127.0.0.1:0', '--web', join(webRoot, 'dist'), ...args],
    { env: { ...process.env, BRANDLEDGER_BOOTSTRAP_TOKEN: adminToken, BRANDLEDGER_DEMO_PASSWORD: demoPassword }, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let log = ''
  child.stderr.on('data', (d) => (log += d))
  const port = await new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${out}\n${log}`)), 30000)
    child.stdout.on('data', (d) => {
      out += d
      const m = out.match(/listening on 127\.0\.0\.1:(\d+)/)
      if (m) {
        clearTimeout(timer)
        resolve(Number(m[1]))
      }
    })
    child.on('exit', (code) => reject(new Error(`the server exited (${code}):\n${out}\n${log}`)))
  })
  const base = `http://127.0.0.1:${port}`
  let clock = 0 // where the tests last set the server's manual clock (it never goes back)
  return {
    base,
    port,
    // Moves the server's manual clock to `ms` after now (or after where it stands, when a
    // test moved it past now), firing what falls due; its new time, in ms.
    async advanceClock(ms) {
      const { now } = await this.api('POST', '/v1/admin/clock', { now: new Date(Math.max(Date.now(), clock) + ms).toISOString() })
      clock = Date.parse(now)
      return clock
    },
    // Moves the clock to `time` (RFC 3339), or leaves it where it is when it stands later.
    async clockTo(time) {
      return this.advanceClock(Math.max(0, Date.parse(time) - Math.max(Date.now(), clock)))
    },
    // The API as the admin's script would call it (test setup only; the browser logs in).
    async api(method, path, body, token = adminToken) {
      const r = await fetch(base + path, {
        method,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      const text = await r.text()
      if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`)
      return text ? JSON.parse(text) : undefined
    },
    async stop() {
      await stopChild(child)
      rmSync(data, { recursive: true, force: true })
    },
  }
}

// SIGTERM, then its exit; at once if it has exited already (its 'exit' event is past).
async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
}

// One Debian nats-server with JetStream, for a writer and a replica to share (a stream of
// one copy: --nats-replicas 1). It picks its own port (-p -1) and names it in its log: a
// port picked here and bound there could be taken in between by an outgoing connection.
export async function startNats() {
  const store = mkdtempSync(join(tmpdir(), 'brandledger-e2e-nats-'))
  const child = spawn(process.env.NATS_SERVER ?? '/usr/sbin/nats-server', ['-js', '-a', '127.0.0.1', '-p', '-1', '-sd', store], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let log = ''
  child.stderr.on('data', (d) => (log += d))
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nats-server did not start:\n${log}`)), 15000)
    child.stderr.on('data', () => {
      const listening = /Listening for client connections on 127\.0\.0\.1:(\d+)/.exec(log)
      if (listening && log.includes('Server is ready')) {
        clearTimeout(timer)
        resolve(Number(listening[1]))
      }
    })
    child.on('exit', (code) => reject(new Error(`nats-server exited (${code}):\n${log}`)))
  })
  return {
    url: `nats://127.0.0.1:${port}`,
    async stop() {
      await stopChild(child)
      rmSync(store, { recursive: true, force: true })
    },
  }
}

export async function startBrowser() {
  // Chromium names a download in the locale's encoding: under the POSIX locale (a bare root
  // shell, CI) a Chinese file name becomes "download". People run it in UTF-8; so do we.
  const utf8 = /utf-?8/i.test(process.env.LC_ALL || process.env.LANG || '')
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    env: utf8 ? process.env : { ...process.env, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' },
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-sync',
      '--disable-background-networking', '--disable-component-update',
    ],
  })
}

// A fresh browser context (its own cookies) with its console log kept for failures.
export async function newPage(browser, options = {}) {
  const context = await browser.newContext({
    locale: 'zh-CN', timezoneId: 'Asia/Shanghai', viewport: { width: 1280, height: 860 }, ...options,
  })
  const page = await context.newPage()
  page.consoleLog = []
  page.on('console', (m) => page.consoleLog.push(`[${m.type()}] ${m.text()}`))
  page.on('pageerror', (e) => page.consoleLog.push(`[pageerror] ${e.message}`))
  return page
}

// Runs `body`; on failure saves the page's screenshot and console log, then rethrows.
export async function step(page, name, body) {
  try {
    return await body()
  } catch (e) {
    mkdirSync(outDir, { recursive: true })
    const file = name.replace(/[^\p{L}\p{N}-]+/gu, '-')
    await page.screenshot({ path: join(outDir, `${file}.failed.png`), fullPage: true }).catch(() => {})
    writeFileSync(join(outDir, `${file}.console.log`), page.consoleLog.join('\n'))
    throw e
  }
}

export async function screenshot(page, name) {
  mkdirSync(outDir, { recursive: true })
  // Transitions finished: a dialog that is opening or closing is shown as it ends.
  await page.screenshot({ path: join(outDir, `${name}.png`), fullPage: true, animations: 'disabled' })
}

export async function login(page, base, user, password = demoPassword) {
  await page.goto(`${base}/login`)
  await page.getByLabel('用户名').fill(user)
  await page.getByLabel('密码').fill(password)
  await page.getByRole('button', { name: '登录' }).click()
  await page.getByRole('navigation').waitFor()
}
