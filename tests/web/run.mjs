// Browser tests of `portlore serve`: Debian's Chromium driven by playwright-core.
// The meson test `web` runs this through run.sh with PORTLORE, PORTLORE_STORE and
// PORTLORE_LOCALEDIR set. Screenshots go to tests/artifacts/ (not committed).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const artifacts = join(here, '..', 'artifacts');
const work = mkdtempSync(join(tmpdir(), 'portlore-web-'));
let server, context, base;

// Starts the server on port 0 and waits (at most 10 s) for the URL it prints.
function startServer() {
  return new Promise((resolve, reject) => {
    const p = spawn(process.env.PORTLORE, ['serve', '--db', process.env.PORTLORE_STORE,
      '--feedback-db', join(work, 'feedback.db'), '--locale-dir', process.env.PORTLORE_LOCALEDIR,
      '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const timer = setTimeout(() => reject(new Error('server printed no URL in 10 s')), 10000);
    let out = '';
    p.stdout.on('data', d => {
      out += d;
      const m = out.match(/serving (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve([p, m[1]]); }
    });
    p.on('exit', code => { clearTimeout(timer); reject(new Error(`server exited with ${code}`)); });
  });
}

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  [server, base] = await startServer();
  // A fresh profile each run: playwright passes it to Chromium as --user-data-dir.
  context = await chromium.launchPersistentContext(join(work, 'profile'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 30000,
  });
});

after(async () => {
  if (context) await context.close();
  if (server) server.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
});

test('port 3333 has every section, built from the report', async () => {
  const page = await context.newPage();
  const resp = await page.goto(base + 'port/3333?lang=en');
  assert.equal(resp.status(), 200);
  for (const id of ['here', 'what', 'range', 'runs', 'security', 'check', 'faq', 'references', 'feedback'])
    assert.equal(await page.locator(`section#${id}`).count(), 1, `section #${id}`);
  assert.equal(await page.locator('h1').textContent(), 'Port 3333');
  // Lore from data/lore: the NCID caller-ID server is one of 3333's uses.
  assert.match(await page.locator('#runs').textContent(), /NCID|caller/i);
  // Commands for every system, with this very port in them.
  const check = await page.locator('#check').textContent();
  for (const s of ['Linux', 'macOS', 'Windows', 'FreeBSD', "sport = :3333", 'Get-NetTCPConnection -LocalPort 3333', 'sockstat -46 -l -P tcp -p 3333', 'nc -vz HOST 3333'])
    assert.ok(check.includes(s), `check section lacks ${s}`);
  // Every citation points at a numbered reference that exists.
  const cites = await page.locator('sup.cite a').evaluateAll(as => as.map(a => a.getAttribute('href')));
  assert.ok(cites.length > 2);
  for (const c of cites) assert.equal(await page.locator(c).count(), 1, `reference ${c}`);
  assert.equal(await page.locator('#feedback button').count(), 3);
  await page.screenshot({ path: join(artifacts, 'port-3333-desktop.png'), fullPage: true });
  await page.setViewportSize({ width: 375, height: 800 });
  await page.screenshot({ path: join(artifacts, 'port-3333-phone.png') });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `page is ${overflow}px wider than a phone`);
  await page.close();
});

test('a lore use below high confidence shows its level and reason; outside data sets carry their own label', async () => {
  const page = await context.newPage();
  await page.goto(base + 'port/3072?lang=en');
  const conf = page.locator('#lore-irc-bot-3072 dd.confidence-low');
  assert.match(await conf.textContent(), /^low: Only aggregated trojan port lists/);
  assert.equal(await page.locator('#lore-irc-bot-3072 dd.confidence').count(), 1);
  assert.ok(await page.locator('.prov-fetch-standard').count() >= 1);
  await page.close();
});

test('a vote is saved and shown again after a reload', async () => {
  const page = await context.newPage();
  await page.goto(base + 'port/3008?lang=en');
  await page.locator('#feedback button[value="partly"]').click();
  await page.locator('#feedback .status').filter({ hasText: 'saved' }).waitFor({ timeout: 5000 });
  await page.reload();
  const pressed = page.locator('#feedback button[value="partly"][aria-pressed="true"]');
  await pressed.waitFor({ timeout: 5000 });
  assert.match(await page.locator('#feedback .status').textContent(), /0 yes, 1 partly, 0 no/);
  assert.equal(await page.locator('#feedback button[aria-pressed="true"]').count(), 1);
  await page.close();
});

test('the Persian page is right to left and translated', async () => {
  const page = await context.newPage();
  await page.goto(base + 'port/3333?lang=fa');
  assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'fa');
  assert.equal(await page.locator('main').evaluate(e => getComputedStyle(e).direction), 'rtl');
  assert.equal(await page.locator('h1').textContent(), 'درگاه 3333');
  // The commands stay left to right inside the right-to-left page.
  assert.equal(await page.locator('#check pre').first().evaluate(e => getComputedStyle(e).direction), 'ltr');
  await page.setViewportSize({ width: 375, height: 800 });
  await page.screenshot({ path: join(artifacts, 'port-3333-fa-phone.png'), fullPage: true });
  await page.close();
});

test('search finds lore and a number goes to its port', async () => {
  const page = await context.newPage();
  await page.goto(base + '?lang=en');
  await page.locator('main input[type=search]').fill('netscaler');
  await page.locator('main button[type=submit]').click();
  await page.waitForURL(/\/search\?/);
  const hits = page.locator('ol.hits > li');
  assert.ok(await hits.count() > 0);
  assert.match(await hits.first().textContent(), /NetScaler/i);
  assert.ok(await page.locator('ol.hits mark').count() > 0);
  await page.screenshot({ path: join(artifacts, 'search-netscaler.png') });
  await page.locator('header input[type=search]').fill('3306');
  await page.locator('header button[type=submit]').click();
  await page.waitForURL(/\/port\/3306\?lang=en/);
  assert.equal(await page.locator('h1').textContent(), 'Port 3306');
  await page.close();
});

test('dark mode follows the system setting', async () => {
  const page = await context.newPage();
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(base + 'port/3333?lang=de');
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(bg, 'rgb(22, 24, 27)');
  await page.screenshot({ path: join(artifacts, 'port-3333-de-dark.png') });
  await page.close();
});

// The answer at the top: on a phone, the summary box and the first use are on the first
// screen for the ports people look up most.
test('the summary and the first use fit one phone screen', async () => {
  const page = await context.newPage();
  await page.setViewportSize({ width: 390, height: 844 });
  for (const port of [22, 3333]) {
    await page.goto(base + `port/${port}?lang=en`);
    const box = await page.locator('#summary').boundingBox();
    assert.ok(box && box.y + box.height <= 844, `port ${port}: summary ends at ${box && box.y + box.height}px`);
    const first = await page.locator('#runs article.use h3').first().boundingBox();
    assert.ok(first && first.y + first.height <= 844, `port ${port}: first use at ${first && first.y}px`);
    // The top uses are links to their cards further down.
    const href = await page.locator('#summary .top-uses a').first().getAttribute('href');
    assert.equal(await page.locator(href).count(), 1);
    await page.screenshot({ path: join(artifacts, `port-${port}-phone-top.png`) });
  }
  await page.close();
});

// Without JavaScript the buttons post a form; the server answers with the page, in the
// reader's language, with the thanks and the chosen answer.
test('a vote without JavaScript in Czech ends on the page with the Czech thanks', async () => {
  const ctx = await chromium.launchPersistentContext(join(work, 'profile-nojs'), {
    executablePath: '/usr/bin/chromium', headless: true, javaScriptEnabled: false,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await ctx.newPage();
  await page.goto(base + 'port/3333?lang=cs');
  await page.locator('#feedback button[value="no"]').click();
  await page.waitForURL(/\/port\/3333\?lang=cs&voted=no/);
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'cs');
  assert.match(await page.locator('#feedback .status').textContent(), /Děkujeme/);
  assert.equal(await page.locator('#feedback button[value="no"]').getAttribute('aria-pressed'), 'true');
  const cookies = await ctx.cookies();
  const reader = cookies.find(c => c.name === 'portlore_reader');
  assert.ok(reader && reader.httpOnly && reader.sameSite === 'Lax', 'reader cookie');
  await page.screenshot({ path: join(artifacts, 'vote-nojs-cs.png') });
  await ctx.close();
});

// axe-core on a dozen pages, light and dark, desktop and phone: no serious or critical
// violation anywhere.
test('axe finds no serious or critical violation', async () => {
  const axe = readFileSync(join(here, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
  const pages = ['?lang=en', 'port/22?lang=en', 'port/3333?lang=en', 'port/3008?lang=en',
    'port/3408?lang=en', 'port/8080?lang=en', 'port/80?lang=fa', 'port/443?lang=cs',
    'port/5900?lang=de', 'ports?from=3000&to=3099&lang=en', 'search?q=netscaler&lang=es',
    'port/65536?lang=ms'];
  const found = [];
  const page = await context.newPage();
  for (const scheme of ['light', 'dark'])
    for (const width of [1280, 390]) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize({ width, height: 844 });
      for (const p of pages) {
        await page.goto(base + p);
        await page.evaluate(axe);
        const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
        for (const v of res.violations)
          if (v.impact === 'serious' || v.impact === 'critical')
            found.push(`${p} ${scheme} ${width}: ${v.id} (${v.impact}) ${v.nodes[0].target.join(' ')}`);
      }
    }
  await page.close();
  assert.deepEqual(found, []);
});
