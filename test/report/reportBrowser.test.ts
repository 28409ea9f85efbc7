/**
 * The replay report in a real browser: Debian's chromium, driven by puppeteer-core (which never downloads one).
 * The page must load offline with no request leaving it and no console error, show every classified frame, the
 * synthetic-weights banner and the drop table, and render a topic named with <script> as text.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { runReplayCommand, type OpenReplayClassifier } from '../../src/cli/commands/replay';
import { makeImageBag } from '../../src/bagmake';
import { fakeClassifier } from '../replay/fakeClassifier';
import { FIXTURE_IMAGES, REPO_ROOT } from '../support/paths';

const CHROMIUM = process.env.EDGENEXT_CHROMIUM ?? '/usr/bin/chromium';
const DEMO = path.join(REPO_ROOT, 'demo/edgenext_demo');
/** Screenshots land here (ignored by git) for a person to look at. */
const OUTPUT = path.join(REPO_ROOT, 'test-output');
const EVIL_TOPIC = '/cam/<script>window.__pwned = true</script>';

const tmp = mkdtempSync(path.join(tmpdir(), 'edgenext-report-browser-'));
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium), see .ci/run`);
  // --no-sandbox: Chromium's sandbox cannot start as root in a container.
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
});

afterAll(async () => {
  await browser?.close();
});

function collector() {
  const err: string[] = [];
  const out: string[] = [];
  return { io: { stdout: (l: string) => out.push(l), stderr: (l: string) => err.push(l) }, out, err };
}

interface Loaded {
  readonly page: Page;
  readonly consoleErrors: string[];
  readonly requests: string[];
}

/** Opens a report file with every request outside the page itself blocked and recorded. */
async function open(file: string): Promise<Loaded> {
  const page = await browser.newPage();
  const url = `file://${file}`;
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(String(error)));
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    const target = request.url();
    if (target === url) void request.continue();
    else {
      if (!target.startsWith('data:')) requests.push(target);
      void request.abort();
    }
  });
  await page.setViewport({ width: 1100, height: 900 });
  await page.goto(url, { waitUntil: 'load' });
  return { page, consoleErrors, requests };
}

describe('the HTML report in chromium', () => {
  it('loads offline with no console error, shows every classified frame, the banner and the drops', async () => {
    // Played 20x faster than recorded into a 30 ms backend: most frames are dropped, live-style.
    const slow: OpenReplayClassifier = async () => ({
      ...fakeClassifier({ inferMs: 30 }),
      close: async () => undefined,
    });
    const report = path.join(tmp, 'drops.html');
    const c = collector();
    const code = await runReplayCommand(DEMO, { rate: '20', noOut: true, report, json: true }, c.io, slow);
    expect(code).toBe(0);
    const summary = JSON.parse(c.out.join('\n')) as { classified: number; droppedTotal: number };
    expect(summary.droppedTotal).toBeGreaterThan(0);

    const { page, consoleErrors, requests } = await open(report);
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([]);
    expect(await page.$$eval('.item', (items) => items.length)).toBe(summary.classified);
    expect(
      await page.$$eval(
        '.item img',
        (images) => images.filter((i) => (i as unknown as { naturalWidth: number }).naturalWidth > 0).length,
      ),
    ).toBe(summary.classified);
    const banner = await page.$eval('#synthetic-banner', (el) => ({
      text: el.textContent,
      height: (el as unknown as { offsetHeight: number }).offsetHeight,
    }));
    expect(banner.text).toContain('SYNTHETIC WEIGHTS');
    expect(banner.height).toBeGreaterThan(0);
    const drops = await page.$$eval('#drops tbody tr', (rows) =>
      rows.map((r) => Array.from(r.querySelectorAll('td'), (td) => (td as { textContent: string | null }).textContent)),
    );
    expect(drops.length).toBeGreaterThan(0);
    expect(drops.reduce((n, row) => n + Number(row[2]), 0)).toBe(summary.droppedTotal);
    expect(await page.$$eval('svg rect', (bars) => bars.length)).toBeGreaterThan(0);

    mkdirSync(OUTPUT, { recursive: true });
    const screenshot = path.join(OUTPUT, 'report-replay.png');
    await page.screenshot({ path: screenshot as `${string}.png`, fullPage: true });
    expect(statSync(screenshot).size).toBeGreaterThan(10_000);
    await page.close();
  });

  it('renders a topic named with <script> as text and runs nothing', async () => {
    const bag = path.join(tmp, 'evil_bag');
    await makeImageBag({
      inputs: [path.join(FIXTURE_IMAGES, 'Zebra.jpg'), path.join(FIXTURE_IMAGES, 'caffe_cat.jpg')],
      outDir: bag,
      topic: EVIL_TOPIC,
      frameId: '<b>frame</b>',
      encoding: 'jpeg',
    });
    const report = path.join(tmp, 'evil.html');
    const openFake: OpenReplayClassifier = async () => ({ ...fakeClassifier(), close: async () => undefined });
    const c = collector();
    expect(await runReplayCommand(bag, { maxSpeed: true, noOut: true, report }, c.io, openFake)).toBe(0);
    expect(readFileSync(report, 'utf8')).not.toContain('<script');

    const { page, consoleErrors, requests } = await open(report);
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([]);
    expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: boolean }).__pwned)).toBeUndefined();
    expect(await page.$$eval('script', (scripts) => scripts.length)).toBe(0);
    expect(await page.$eval('#topics tbody td', (td) => td.textContent)).toBe(EVIL_TOPIC);
    const names = await page.$$eval('.item .name', (els) => els.map((e) => e.textContent ?? ''));
    expect(names).toHaveLength(2);
    for (const name of names) expect(name.startsWith(`${EVIL_TOPIC} @ `)).toBe(true);
    expect(await page.$$eval('.item .caption', (els) => els.map((e) => e.textContent?.split(',')[0]))).toEqual([
      "frame_id '<b>frame</b>'",
      "frame_id '<b>frame</b>'",
    ]);
    expect(await page.$$eval('.item b', (bold) => bold.length)).toBe(0);
    await page.screenshot({ path: path.join(OUTPUT, 'report-script-topic.png') as `${string}.png` });
    await page.close();
  });
});
