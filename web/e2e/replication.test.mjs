// The console on a replicated log (docs/SCALE-OUT.md): a writer with the demo data and a
// replica following it through a real nats-server. The header says which node a page is
// served by; a session made on the writer reads on the replica; the replica refuses what
// would change the log, in words a user understands.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { login, newPage, screenshot, startBrowser, startNats, startServer, step } from './harness.mjs'

let nats
let writer
let replica
let browser

async function healthOf(server) {
  return (await fetch(`${server.base}/healthz`)).json()
}

// Until the replica holds everything the writer has (a minute at most).
async function replicaCaughtUp() {
  const deadline = Date.now() + 60000
  for (;;) {
    const [w, r] = await Promise.all([healthOf(writer), healthOf(replica)])
    if (w.replication.sequence > 0 && r.replication.sequence === w.replication.sequence) return
    if (Date.now() > deadline) throw new Error(`the replica did not catch up: ${JSON.stringify([w, r])}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

before(async () => {
  nats = await startNats()
  const replicated = ['--nats', nats.url, '--nats-replicas', '1']
  writer = await startServer({ args: replicated })
  replica = await startServer({ demo: false, args: [...replicated, '--replica'] })
  browser = await startBrowser()
  // The replica holds the writer's whole log before the pages are read.
  await replicaCaughtUp()
})

after(async () => {
  await browser?.close()
  await replica?.stop()
  await writer?.stop()
  await nats?.stop()
})

test('the header names the node: the writer, and a replica in step with it', async () => {
  const page = await newPage(browser)
  await step(page, 'replicated-nodes', async () => {
    await login(page, writer.base, 'zhang')
    await page.getByRole('status', { name: '节点' }).filter({ hasText: '写节点' }).waitFor()
    await screenshot(page, 'node-writer')

    // The session cookie is the host's (ports share it): the replica knows the session,
    // which reached it with the writer's batch, and serves the same brands.
    await page.goto(`${writer.base}/brands`)
    await page.getByRole('table').last().locator('tbody tr').first().waitFor()
    const onWriter = await page.getByRole('table').last().locator('tbody tr').allInnerTexts()
    await replicaCaughtUp()  // the login's session with it
    await page.goto(`${replica.base}/brands`)
    await page.getByRole('status', { name: '节点' }).filter({ hasText: '只读副本 · 已同步' }).waitFor()
    const rows = page.getByRole('table').last().locator('tbody tr')
    await rows.first().waitFor()
    assert.deepEqual(await rows.allInnerTexts(), onWriter)
    await screenshot(page, 'node-replica')
  })
})

test('a replica refuses a login in Chinese and says where to go', async () => {
  const page = await newPage(browser)
  await step(page, 'replica-login', async () => {
    await page.goto(`${replica.base}/login`)
    await page.getByLabel('用户名').fill('zhang')
    await page.getByLabel('密码').fill('e2e-demo-password')
    await page.getByRole('button', { name: '登录' }).click()
    await page.getByRole('alert').filter({ hasText: '只读副本' }).waitFor()
    assert.match(await page.getByRole('alert').innerText(), /写节点/)
    await screenshot(page, 'replica-login')
  })
})
