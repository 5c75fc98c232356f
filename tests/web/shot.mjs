// shot.mjs URL OUT [WIDTH] [SCHEME]: a full-page screenshot in headless Chromium (for
// looking at pages by hand; tests use run.mjs).
import { chromium } from 'playwright-core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const [url, out, width = '390', scheme = 'light', full = 'full'] = process.argv.slice(2);
const ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'pl-shot-')), {
  executablePath: '/usr/bin/chromium', headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: Number(width), height: 844 }, colorScheme: scheme,
});
const page = await ctx.newPage();
await page.goto(url);
const h = await page.evaluate(() => document.documentElement.scrollHeight);
await page.screenshot({ path: out, fullPage: full === 'full' });
console.log(`height ${h}`);
await ctx.close();
