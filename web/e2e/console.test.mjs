// The console end to end: a real server with the demo data, Debian's Chromium, the pages as
// a person uses them (CONSOLE.md's accessible names). Run by `npm run e2e` (scripts/test.sh).
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { demoPassword, login, newPage, screenshot, startBrowser, startServer, step } from './harness.mjs'

const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js')

// Clicks an export button and returns the downloaded file's name and path.
async function exportFile(scope, page, button) {
  const [download] = await Promise.all([page.waitForEvent('download'), scope.getByRole('button', { name: button }).click()])
  return { name: download.suggestedFilename(), path: await download.path() }
}

// The first worksheet's XML of a downloaded .xlsx, read with Python's zipfile (as any
// spreadsheet program would unpack it).
function firstSheet(path) {
  return execFileSync('python3', ['-c', 'import sys,zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read("xl/worksheets/sheet1.xml").decode())', path], { encoding: 'utf8' })
}
let server
let browser

before(async () => {
  server = await startServer()
  browser = await startBrowser()
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

test('a wrong password is refused on the page in Chinese', async () => {
  const page = await newPage(browser)
  await step(page, 'wrong-password', async () => {
    await page.goto(`${server.base}/login`)
    await page.getByLabel('用户名').fill('zhang')
    await page.getByLabel('密码').fill('not-the-password')
    await page.getByRole('button', { name: '登录' }).click()
    await page.getByRole('alert').filter({ hasText: '用户名或密码错误' }).waitFor()
    await screenshot(page, 'login')
  })
})

test('a deep link without a session goes to /login and back after logging in', async () => {
  const page = await newPage(browser)
  await step(page, 'deep-link', async () => {
    await page.goto(`${server.base}/brands?state=filed`)
    await page.waitForURL(/\/login\?redirect=/)
    await page.getByLabel('用户名').fill('zhang')
    await page.getByLabel('密码').fill('e2e-demo-password')
    await page.getByRole('button', { name: '登录' }).click()
    await page.waitForURL(/\/brands\?state=filed$/)
    const rows = page.getByRole('table').last().locator('tbody tr')
    await rows.first().waitFor()
    for (const text of await rows.allInnerTexts()) assert.match(text, /已备案/)
  })
})

test('a branch creates its brand, is told why it cannot submit, completes it and submits; the unit approves from its 工作台; the committee files it', async () => {
  // A new branch and its secretary, made by the administrator's script.
  await server.api('POST', '/v1/orgs', { id: 'e2e-branch', name: '市政府机关第九党支部', kind: 'branch', parent: 'gov', org_type: '党支部' })
  await server.api('POST', '/v1/users', { id: 'e2e-sec', name: '赵书记', role: 'branch', org: 'e2e-branch', password: 'e2e-branch-password' })

  const branch = await newPage(browser)
  const name = '红色引擎·服务先锋'
  await step(branch, 'branch-creates', async () => {
    await login(branch, server.base, 'e2e-sec', 'e2e-branch-password')
    await branch.getByRole('navigation').getByRole('link', { name: '品牌库' }).click()
    await branch.getByRole('button', { name: '新建品牌' }).click()
    const dialog = branch.getByRole('dialog', { name: '新建品牌' })
    await dialog.getByLabel('品牌名称').fill(name)
    await dialog.getByLabel('口号').fill('党旗飘在一线')
    await dialog.getByRole('button', { name: '保存' }).click()
    await branch.getByRole('heading', { level: 1, name }).waitFor()
    // 四有 incomplete: submit is there but disabled, and the page says why.
    await branch.getByRole('button', { name: /提交申报/ }).waitFor()
    assert.equal(await branch.getByRole('button', { name: /提交申报/ }).isDisabled(), true)
    await branch.getByText(/提交申报暂不可办/).waitFor()
    // The server's own reason, in Chinese, naming what is missing.
    await branch.getByText('“四有”不完整，尚缺：有主题、有内涵、有特色、有效果').first().waitFor()
    await screenshot(branch, 'brand-incomplete')
  })
  await step(branch, 'branch-completes-and-submits', async () => {
    await branch.getByRole('button', { name: '编辑' }).click()
    const edit = branch.getByRole('dialog', { name: '编辑' })
    await edit.getByLabel('主题').fill('围绕中心服务大局')
    await edit.getByLabel('内涵').fill('以党建引领机关效能提升')
    await edit.getByLabel('特色').fill('“党员先锋岗”常态化')
    await edit.getByLabel('成效').fill('群众满意度提升至98%')
    await edit.getByRole('button', { name: '保存' }).click()
    await edit.waitFor({ state: 'hidden' })
    await branch.getByRole('button', { name: '提交申报' }).click()
    const submit = branch.getByRole('dialog', { name: '提交申报' })
    await submit.getByRole('button', { name: '确定' }).click()
    await branch.getByText('已申报', { exact: true }).first().waitFor()
  })

  const unit = await newPage(browser)
  await step(unit, 'unit-approves', async () => {
    await login(unit, server.base, 'gov-unit')
    await unit.getByRole('link', { name }).click()
    await unit.getByRole('button', { name: '审核通过' }).click()
    const approve = unit.getByRole('dialog', { name: '审核通过' })
    await approve.getByRole('button', { name: '确定' }).click()
    // A decision needs its 意见: refused in Chinese until there is one.
    await approve.getByRole('alert').filter({ hasText: '请填写意见' }).waitFor()
    await approve.getByLabel('意见').fill('材料齐全，同意报送机关工委备案。')
    await approve.getByRole('button', { name: '确定' }).click()
    await approve.waitFor({ state: 'hidden' })
  })

  const committee = await newPage(browser)
  await step(committee, 'committee-files', async () => {
    await login(committee, server.base, 'zhang')
    await screenshot(committee, 'workbench')
    await committee.getByRole('link', { name }).click()
    await committee.getByRole('button', { name: '准予备案' }).click()
    const file = committee.getByRole('dialog', { name: '准予备案' })
    await file.getByLabel('意见').fill('经审核，符合党建品牌备案条件，予以备案。')
    await file.getByRole('button', { name: '确定' }).click()
    await file.waitFor({ state: 'hidden' })
    await committee.getByText('已备案', { exact: true }).first().waitFor()
    await committee.getByText('经审核，符合党建品牌备案条件，予以备案。').waitFor()
    await screenshot(committee, 'brand-filed')
  })
})

test('(after the filing above) the auditor finds it with its 意见 in 审计追溯, opens the whole event, exports it and checks the chain', async () => {
  const page = await newPage(browser)
  await step(page, 'audit', async () => {
    await login(page, server.base, 'li-audit')
    await page.getByRole('navigation').getByRole('link', { name: '审计追溯' }).click()
    await page.getByLabel('操作人').fill('zhang')
    await page.getByRole('button', { name: '查询' }).click()
    await page.waitForURL(/\/audit\?actor=zhang/)
    const row = page.getByRole('row').filter({ hasText: '经审核，符合党建品牌备案条件，予以备案。' }).first()
    await row.waitFor()
    await row.locator('.el-table__expand-icon').click()
    await page.getByText(/"prev_hash": "[0-9a-f]{64}"/).first().waitFor()
    const csvFile = await exportFile(page, page, '导出 CSV')
    assert.equal(csvFile.name, '审计追溯.csv')
    const csv = readFileSync(csvFile.path, 'utf8')
    assert.ok(csv.startsWith('\uFEFF位置,时间（北京时间）'), csv.slice(0, 100))
    assert.ok(csv.includes('经审核，符合党建品牌备案条件，予以备案。'), csv.slice(0, 400))
    // Only what the filter shows: every row is zhang's.
    const lines = csv.trim().split('\r\n').slice(1)
    assert.ok(lines.length >= 1 && lines.every((l) => l.split(',')[4] === 'zhang'), csv.slice(0, 600))
    const xlsx = await exportFile(page, page, '导出 Excel')
    assert.equal(xlsx.name, '审计追溯.xlsx')
    const sheet = firstSheet(xlsx.path)
    assert.ok(sheet.includes('<t>经审核，符合党建品牌备案条件，予以备案。</t>'), sheet.slice(0, 400))
    await page.getByRole('button', { name: '立即校验哈希链' }).click()
    await page.getByRole('status').filter({ hasText: '哈希链与视图均完整' }).waitFor({ timeout: 60000 })
    await screenshot(page, 'audit')
  })
})

test('a brand "as of" a date before its filing shows it as it stood then: 培育中', async () => {
  // A demo brand that was filed, and a day on which it was still being cultivated.
  const history = (await server.api('GET', '/v1/brands/xcrb/history')).items
  const beijingDay = (t) => new Date(Date.parse(t) + 8 * 3600 * 1000).toISOString().slice(0, 10)
  let day = null
  for (let i = 0; i + 1 < history.length && !day; ++i)
    if (history[i].to_state === 'cultivating' && beijingDay(history[i + 1].occurred_at) > beijingDay(history[i].occurred_at))
      day = beijingDay(history[i].occurred_at)
  assert.ok(day, 'the demo brand xcrb has a day in 培育中')
  assert.ok(history.some((e) => e.to_state === 'filed'))
  const page = await newPage(browser)
  await step(page, 'as-of', async () => {
    await login(page, server.base, 'zhang')
    await page.goto(`${server.base}/brands/xcrb`)
    await page.getByRole('heading', { level: 1, name: '宣报党旗分外红' }).waitFor()
    await page.goto(`${server.base}/brands/xcrb?as_of=${day}`)
    await page.getByText(`这是品牌在 ${day} 结束时的状态`).waitFor()
    await page.locator('.head .el-tag').filter({ hasText: '培育中' }).waitFor()
    assert.equal(await page.getByRole('group', { name: '品牌操作' }).count(), 0)  // no actions on the past
  })
})

test('实时动态 shows what happens as it happens, over the cookie-authenticated event stream', async () => {
  const page = await newPage(browser)
  await step(page, 'live-feed', async () => {
    await login(page, server.base, 'li-audit')
    await page.getByRole('navigation').getByRole('link', { name: '实时动态' }).click()
    await page.getByRole('status').filter({ hasText: '已连接' }).waitFor()
    await server.api('POST', '/v1/orgs', { id: 'e2e-live', name: '实时新建的单位', kind: 'unit', parent: 'wc' })
    await page.getByRole('listitem').filter({ hasText: '新建组织' }).filter({ hasText: 'org-e2e-live' }).waitFor()
    await screenshot(page, 'events')
  })
})

test('(after the filing above) 评审批次 from creation to naming: the committee opens a round with its rules, nominates, assigns experts with 回避 shown, starts scoring; an expert scores in its form and sees only its own; the committee closes it and sees which totals were dropped, publishes the notice, decides an objection and names the brand', async () => {
  const committee = await newPage(browser)
  const name = '红色引擎·服务先锋'
  let roundUrl = ''
  await step(committee, 'round-committee', async () => {
    await login(committee, server.base, 'zhang')
    await committee.getByRole('navigation').getByRole('link', { name: '评审批次' }).click()
    await committee.getByRole('button', { name: '新建批次' }).click()
    const create = committee.getByRole('dialog', { name: '新建批次' })
    await create.getByLabel('名称', { exact: true }).fill('2031年度党建品牌评选')
    await create.getByLabel('年度').fill('2031')
    // The rules start from the last selection round's: its rubric is there to change.
    assert.equal(await create.getByLabel('第 1 项名称').inputValue(), '品牌识别')
    await create.getByLabel('公示天数').fill('3')
    await create.getByLabel('示范名额').fill('5')
    await screenshot(committee, 'round-create')
    await create.getByRole('button', { name: '确定' }).click()
    await committee.getByRole('heading', { level: 1, name: '2031年度党建品牌评选' }).waitFor()
    await committee.getByText(/示范 5、优秀/).waitFor()
    await committee.getByText(/公示 3 天/).waitFor()
    roundUrl = committee.url()
    await committee.getByRole('button', { name: '推荐参评' }).click()
    const nominate = committee.getByRole('dialog', { name: '推荐参评' })
    await nominate.getByText(name).click()
    await nominate.getByRole('button', { name: '确定' }).click()
    await committee.getByRole('link', { name }).waitFor()
    await committee.getByRole('button', { name: '指派专家' }).click()
    const experts = committee.getByRole('dialog', { name: '指派专家' })
    // expert1's home unit is the brand's: the dialog says it must recuse.
    await experts.getByText(/陈教授（expert1）（需回避本单位的参评品牌）/).waitFor()
    for (const e of ['expert2', 'expert3', 'expert4', 'expert5', 'expert6']) await experts.getByText(new RegExp(`（${e}）`)).click()
    await experts.getByRole('button', { name: '确定' }).click()
    await committee.getByText('expert2、expert3、expert4、expert5、expert6').waitFor()
    await committee.getByRole('button', { name: '开始评分' }).click()
    await committee.getByRole('dialog', { name: '开始评分' }).getByRole('button', { name: '确定' }).click()
    await committee.locator('.head .el-tag').filter({ hasText: '评分中' }).waitFor()
  })
  // Another expert scores through its script (a token the administrator issues).
  const round = roundUrl.split('/rounds/')[1]
  const token = (await server.api('POST', '/v1/users/expert3/tokens', { name: 'e2e' })).token
  const brandId = (await server.api('GET', `/v1/rounds/${round}`)).nominated[0]
  await server.api('POST', `/v1/rounds/${round}/scores`, { brand: brandId, scores: { identity: 8, connotation: 16, mechanism: 16, effects: 24, influence: 8, presentation: 8 } }, token)

  const expert = await newPage(browser)
  await step(expert, 'round-expert', async () => {
    await login(expert, server.base, 'expert2')
    // Its 工作台 says what waits for its scores and links there.
    await expert.getByText('1 个品牌待您评分').waitFor()
    await expert.getByRole('link', { name: '2031年度党建品牌评选' }).click()
    await expert.waitForURL(roundUrl)
    await expert.getByRole('heading', { name: '我的评分' }).waitFor()
    const values = { 品牌识别: '9', 内涵与定位: '18', 载体与机制: '17', 工作成效: '27', 示范辐射: '9', 现场讲述: '9.5' }
    for (const [label, value] of Object.entries(values)) await expert.getByLabel(label).fill(value)
    await expert.getByLabel('现场讲述').press('Tab')
    await expert.getByText('合计 89.5').waitFor()
    await expert.getByRole('button', { name: '提交评分' }).click()
    await expert.getByRole('status').filter({ hasText: '已提交' }).waitFor()
    // Its own total, not expert3's.
    const totals = expert.getByRole('row').filter({ hasText: name })
    await totals.getByText('expert2 89.5').waitFor()
    assert.equal(await totals.getByText('expert3').count(), 0)
    await screenshot(expert, 'round-expert')
  })

  // The other experts score through their scripts: totals 92, 85 and 95 beside 89.5 and 80.
  const points = {
    expert4: { identity: 9, connotation: 18, mechanism: 19, effects: 28, influence: 9, presentation: 9 },
    expert5: { identity: 8, connotation: 17, mechanism: 17, effects: 26, influence: 8, presentation: 9 },
    expert6: { identity: 10, connotation: 19, mechanism: 19, effects: 29, influence: 9, presentation: 9 },
  }
  for (const [e, scores] of Object.entries(points)) {
    const t = (await server.api('POST', `/v1/users/${e}/tokens`, { name: 'e2e' })).token
    await server.api('POST', `/v1/rounds/${round}/scores`, { brand: brandId, scores }, t)
  }
  // A step of the committee's, with its 意见.
  const decideStep = async (button, comment) => {
    await committee.getByRole('button', { name: button }).click()
    const dialog = committee.getByRole('dialog', { name: button })
    await dialog.getByLabel('意见').fill(comment)
    await dialog.getByRole('button', { name: '确定' }).click()
    await dialog.waitFor({ state: 'hidden' })
  }
  await step(committee, 'round-results', async () => {
    await committee.goto(roundUrl)
    await decideStep('结束评审', '专家评分已全部完成，结束评审并计算结果。')
    await committee.locator('.head .el-tag').filter({ hasText: '评审结束' }).waitFor()
    // Five totals: the lowest (expert3, 80) and the highest (expert6, 95) are left out;
    // the final is the mean of the other three, (89.5 + 92 + 85) / 3 = 88.83.
    const row = committee.getByRole('row').filter({ hasText: name })
    await row.getByText('88.83').waitFor()
    await row.getByText('expert3 80（去掉）').waitFor()
    await row.getByText('expert6 95（去掉）').waitFor()
    assert.equal(await row.getByText('（去掉）').count(), 2)
    await screenshot(committee, 'round-results')
    await decideStep('发布公示', '评审结果经工委会议研究，予以公示。')
    await committee.getByRole('note').filter({ hasText: '公示期至' }).waitFor()
  })
  // Someone objects during the notice; the committee finds it dismissed after checking.
  const unitToken = (await server.api('POST', '/v1/users/law-unit/tokens', { name: 'e2e' })).token
  await server.api('POST', `/v1/brands/${brandId}/objections`, { reason: '群众反映该品牌成效数据有待核实' }, unitToken)
  await step(committee, 'round-objection', async () => {
    await committee.reload()
    const objection = committee.getByRole('row').filter({ hasText: '群众反映该品牌成效数据有待核实' })
    await objection.getByText('待处理').waitFor()
    await objection.getByRole('button', { name: '异议不成立' }).click()
    const dialog = committee.getByRole('dialog', { name: '异议不成立' })
    await dialog.getByLabel('意见').fill('经核实，成效数据有台账佐证，异议不成立。')
    await dialog.getByRole('button', { name: '确定' }).click()
    await objection.getByText('异议不成立', { exact: true }).waitFor()
    await dialog.waitFor({ state: 'hidden' })
    await screenshot(committee, 'round-notice')
  })
  // The notice ends (the server's manual clock moves past it): the committee names the brand.
  const noticeEnds = (await server.api('GET', `/v1/rounds/${round}`)).notice_ends
  await server.clockTo(new Date(Date.parse(noticeEnds) + 60_000).toISOString())
  await step(committee, 'round-finalize', async () => {
    await login(committee, server.base, 'zhang') // days passed: the session's idle limit too
    await committee.goto(roundUrl)
    await decideStep('确认命名', '公示期满，无未决异议，予以命名。')
    await committee.locator('.head .el-tag').filter({ hasText: '已命名' }).waitFor()
    const brand = await server.api('GET', `/v1/brands/${brandId}`)
    assert.equal(brand.state, 'named')
    assert.equal(brand.title, 'demonstration')
    await committee.getByRole('link', { name }).first().click()
    await committee.getByText('示范党建品牌').first().waitFor()
  })
})

test('the brand list pages over the cursor and keeps its filter in the URL', async () => {
  const page = await newPage(browser)
  await step(page, 'brand-list', async () => {
    await login(page, server.base, 'li-audit')
    await page.getByRole('navigation').getByRole('link', { name: '品牌库' }).click()
    const table = page.getByRole('table').last()
    await table.locator('tbody tr').first().waitFor()
    assert.equal(await table.locator('tbody tr').count(), 20)
    await page.getByRole('button', { name: '下一页' }).click()
    await page.getByText('第 2 页').waitFor()
    await screenshot(page, 'brands')
    // The export holds every matching brand, not the page shown.
    const all = await server.api('GET', '/v1/brands?limit=500')
    const xlsx = await exportFile(page, page, '导出 Excel')
    assert.equal(xlsx.name, '品牌库.xlsx')
    const sheet = firstSheet(xlsx.path)
    assert.equal((sheet.match(/<row /g) ?? []).length, all.items.length + 1)
    assert.ok(sheet.includes(`<t>${all.items[0].name}</t>`))
  })
})

test('a session that expires sends the user to /login and back to where it was', async () => {
  const page = await newPage(browser)
  await step(page, 'session-expiry', async () => {
    await login(page, server.base, 'li-audit')
    await page.getByRole('navigation').getByRole('link', { name: '品牌库' }).click()
    await page.getByRole('table').last().locator('tbody tr').first().waitFor()
    // Nine hours pass on the server's manual clock: the session has been idle for 8.
    assert.ok(await server.advanceClock(9 * 3600 * 1000))
    await page.getByRole('button', { name: '下一页' }).click()  // asks the server: 401
    await page.waitForURL(/\/login\?redirect=(%2F|\/)brands/)
    await page.getByLabel('用户名').fill('li-audit')
    await page.getByLabel('密码').fill('e2e-demo-password')
    await page.getByRole('button', { name: '登录' }).click()
    await page.waitForURL(/\/brands/)
    await page.getByRole('table').last().locator('tbody tr').first().waitFor()
  })
})

test('no serious or critical accessibility violations on the main pages (axe-core)', async () => {
  // Our CSP refuses injected scripts, axe's too: this context alone looks past it.
  const page = await newPage(browser, { bypassCSP: true })
  const check = async (name) => {
    await page.mouse.move(0, 0)  // nothing hovered: colours as they rest
    // Colours are measured as they rest, not halfway through a fade.
    await page.addStyleTag({ content: '*, *::before, *::after { transition: none !important; animation: none !important; }' })
    await page.addScriptTag({ path: axePath })
    const result = await page.evaluate(async () => {
      // eslint-disable-next-line no-undef
      const r = await axe.run(document, { resultTypes: ['violations'] })
      return r.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => `${n.target.join(' ')} ${n.any[0]?.message ?? ''}`).slice(0, 3).join('; ')}`)
    })
    assert.deepEqual(result, [], `${name}:\n${result.join('\n')}`)
  }
  await step(page, 'axe', async () => {
    await page.goto(`${server.base}/login`)
    await page.getByRole('button', { name: '登录' }).waitFor()
    await check('登录')
    await login(page, server.base, 'zhang')
    await page.getByRole('heading', { name: '工作台' }).waitFor()
    await page.locator('.todo').first().waitFor()
    await check('工作台')
    await page.getByRole('navigation').getByRole('link', { name: '品牌库' }).click()
    await page.getByRole('table').last().locator('tbody tr').first().waitFor()
    await check('品牌库')
    await page.getByRole('table').last().locator('tbody tr a').first().click()
    await page.getByRole('heading', { level: 2, name: '历程' }).waitFor()
    await check('品牌')
    await page.getByRole('navigation').getByRole('link', { name: '评审批次' }).click()
    await page.getByRole('table').last().locator('tbody tr a').first().click()
    await page.getByRole('heading', { name: /参评品牌/ }).waitFor()
    await check('评审批次')
    await page.getByRole('navigation').getByRole('link', { name: '评审批次' }).click()
    await page.getByRole('button', { name: '新建批次' }).click()
    await page.getByRole('dialog', { name: '新建批次' }).getByLabel('第 1 项名称').waitFor()
    await check('新建批次')
    await page.keyboard.press('Escape')
    await page.getByRole('navigation').getByRole('link', { name: '复评管理' }).click()
    await page.getByRole('heading', { name: '月历' }).waitFor()
    await check('复评管理')
    await page.getByRole('navigation').getByRole('link', { name: '统计报表' }).click()
    await page.getByRole('img', { name: '各单位品牌状态分布' }).locator('canvas').waitFor()
    await check('统计报表')
    await page.getByRole('navigation').getByRole('link', { name: '审计追溯' }).click()
    await page.getByRole('table').last().locator('tbody tr').first().waitFor()
    await check('审计追溯')
    await page.getByRole('navigation').getByRole('link', { name: '实时动态' }).click()
    await page.getByRole('status').filter({ hasText: '已连接' }).waitFor()
    await check('实时动态')
    await login(page, server.base, 'admin')
    await page.getByRole('navigation').getByRole('link', { name: '系统管理' }).click()
    await page.getByRole('cell', { name: 'zhang' }).waitFor()
    await check('系统管理')
    await page.getByRole('navigation', { name: '系统管理' }).getByRole('link', { name: '考核设置' }).click()
    await page.getByLabel('备案品牌得分').waitFor()
    await check('考核设置')
    await page.getByRole('navigation', { name: '系统管理' }).getByRole('link', { name: '组织' }).click()
    await page.getByText('宣城市直机关工委').first().waitFor()
    await check('组织')
  })
})

test('系统管理: the administrator creates a user with a password, who logs in; then disables it, and its session ends', async () => {
  const admin = await newPage(browser)
  const user = await newPage(browser)
  await step(admin, 'admin-users', async () => {
    await login(admin, server.base, 'admin')
    await admin.getByRole('navigation').getByRole('link', { name: '系统管理' }).click()
    await admin.getByRole('button', { name: '新建用户' }).click()
    const dialog = admin.getByRole('dialog', { name: '新建用户' })
    await dialog.getByLabel('用户名').fill('e2e-auditor')
    await dialog.getByLabel('姓名').fill('钱审计')
    await dialog.getByLabel('角色').selectOption({ label: '纪检审计' })
    await dialog.getByLabel('所属组织').selectOption({ label: '宣城市直机关工委' })
    await dialog.getByLabel('初始密码').fill('e2e-auditor-password')
    await dialog.getByRole('button', { name: '确定' }).click()
    await dialog.getByRole('status').filter({ hasText: 'API 令牌' }).waitFor()
    await dialog.getByRole('button', { name: '完成' }).click()
    await admin.getByRole('cell', { name: '钱审计' }).waitFor()
    await screenshot(admin, 'admin-users')
  })
  await step(user, 'new-user-logs-in', async () => {
    await login(user, server.base, 'e2e-auditor', 'e2e-auditor-password')
    await user.getByRole('navigation').getByRole('link', { name: '审计追溯' }).waitFor()
  })
  await step(admin, 'admin-disables', async () => {
    const row = admin.getByRole('row').filter({ hasText: 'e2e-auditor' })
    await row.getByRole('button', { name: '停用' }).click()
    await row.getByText('已停用').waitFor()
  })
  await step(user, 'disabled-user-goes-to-login', async () => {
    await user.getByRole('navigation').getByRole('link', { name: '品牌库' }).click()
    await user.waitForURL(/\/login\?redirect=/)
  })
})

test('系统管理 · 考核设置: the administrator changes the points and they hold', async () => {
  const page = await newPage(browser)
  await step(page, 'admin-settings', async () => {
    await login(page, server.base, 'admin')
    await page.getByRole('navigation').getByRole('link', { name: '系统管理' }).click()
    await page.getByRole('navigation', { name: '系统管理' }).getByRole('link', { name: '考核设置' }).click()
    await page.getByLabel('备案品牌得分').fill('3.5')
    await page.getByRole('button', { name: '保存' }).click()
    await page.getByText('考核设置已保存').waitFor()
    const settings = await server.api('GET', '/v1/settings')
    assert.equal(settings.assessment.filed_points, 3.5)
    await page.reload()
    assert.equal(await page.getByLabel('备案品牌得分').inputValue(), '3.50')
    await screenshot(page, 'admin-settings')
  })
})

test('系统管理 · 组织: the administrator adds a branch under a unit, and it is in the tree', async () => {
  const page = await newPage(browser)
  await step(page, 'admin-orgs', async () => {
    await login(page, server.base, 'admin')
    await page.goto(`${server.base}/admin/orgs`)
    const unit = page.locator('.node').filter({ hasText: '市政府机关党委' }).first()
    await unit.getByRole('button', { name: '新建支部' }).click()
    const dialog = page.getByRole('dialog')
    await dialog.getByLabel('编号').fill('e2e-new-branch')
    await dialog.getByLabel('名称').fill('市政府机关第十党支部')
    await dialog.getByLabel('类型').selectOption('党总支')
    await dialog.getByRole('button', { name: '确定' }).click()
    await page.getByText('市政府机关第十党支部').waitFor()
    const org = await server.api('GET', '/v1/orgs/e2e-new-branch')
    assert.equal(org.parent, 'gov')
    assert.equal(org.org_type, '党总支')
    await screenshot(page, 'admin-orgs')
  })
})

test('复评管理: titles due for re-review, rectifications with their deadlines and appeals, listed and on the calendar', async () => {
  const page = await newPage(browser)
  await step(page, 're-reviews', async () => {
    await login(page, server.base, 'zhang')
    await page.getByRole('navigation').getByRole('link', { name: '复评管理' }).click()
    await page.getByRole('heading', { name: /整改中（\d+）/ }).waitFor()
    const rectifying = await server.api('GET', '/v1/brands?state=rectifying')
    assert.ok(rectifying.items.length > 0, 'the demo has a brand under rectification')
    await page.getByRole('link', { name: rectifying.items[0].name }).first().waitFor()
    await page.getByRole('heading', { name: '月历' }).waitFor()
    await screenshot(page, 're-reviews')
  })
})

test('统计报表: the charts render with the demo data, each with its table, as of a date', async () => {
  const page = await newPage(browser)
  await step(page, 'reports', async () => {
    await login(page, server.base, 'zhang')
    await page.getByRole('navigation').getByRole('link', { name: '统计报表' }).click()
    await page.getByRole('img', { name: '各单位一支部一品牌覆盖率' }).locator('canvas').waitFor()
    await page.getByRole('img', { name: '各单位品牌状态分布' }).locator('canvas').waitFor()
    await page.getByRole('cell', { name: '市政府机关党委' }).first().waitFor()
    await page.getByText(/共命名 \d+ 个/).waitFor()
    // The assessment's branch rows come a page at a time; the page says how many it shows.
    // Last year in Beijing, as the page counts it (this machine's zone may be another).
    const lastYear = new Date(Date.now() + 8 * 3600 * 1000).getUTCFullYear() - 1
    const assessed = await server.api('GET', `/v1/reports/assessment?year=${lastYear}&limit=100`)
    await page.getByText(`已显示 ${assessed.branches.length} 个党组织`).waitFor()
    await screenshot(page, 'reports')
    const coverage = await exportFile(page.getByRole('group', { name: '导出覆盖率' }), page, '导出 CSV')
    assert.equal(coverage.name, '品牌覆盖率.csv')
    assert.ok(readFileSync(coverage.path, 'utf8').includes('市政府机关党委'))
    await page.goto(`${server.base}/reports?as_of=2024-01-01`)
    const total = await server.api('GET', '/v1/reports/coverage?as_of=2024-01-01')
    await page.getByText(`${total.total.filed}/${total.total.branches}`).waitFor()
  })
})

test('the keyboard alone: log in, open a dialog with Enter, Esc closes it and gives the focus back, Enter in a field submits', async () => {
  const page = await newPage(browser)
  await step(page, 'keyboard', async () => {
    await page.goto(`${server.base}/login`)
    await page.getByLabel('用户名').focus()
    await page.keyboard.type('zhang')
    await page.keyboard.press('Tab')
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('type')), 'password')
    await page.keyboard.type(demoPassword)
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: '工作台' }).waitFor()
    await page.getByRole('navigation').getByRole('link', { name: '评审批次' }).focus()
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { level: 1, name: '评审批次' }).waitFor()
    const opener = page.getByRole('button', { name: '新建批次' })
    await opener.focus()
    await page.keyboard.press('Enter')
    const dialog = page.getByRole('dialog', { name: '新建批次' })
    await dialog.waitFor()
    // The focus moves into the dialog and stays there while it is open.
    await page.waitForFunction(() => document.querySelector('[role=dialog]')?.contains(document.activeElement))
    for (let i = 0; i < 40; ++i) await page.keyboard.press('Tab')
    assert.ok(await dialog.evaluate((d) => d.contains(document.activeElement)), 'Tab left the open dialog')
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden' })
    await page.waitForFunction(() => document.activeElement?.textContent?.includes('新建批次'))
    // Open again; Enter in the name field creates the round.
    await page.keyboard.press('Enter')
    await dialog.waitFor()
    await dialog.getByLabel('名称', { exact: true }).focus()
    await page.keyboard.type('键盘新建的评审批次')
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { level: 1, name: '键盘新建的评审批次' }).waitFor()
  })
})
