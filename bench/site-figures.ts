import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { launchChromium } from '../tests/site/chromium.ts';
import { type Figure, lowerThan } from './figures.ts';

/** JavaScript a reading page loads, gzipped, before and after the reader presses Run. */
export async function pageWeight(url: string): Promise<Figure[]> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ baseURL: url });
    let bytes = 0;
    page.on('response', async (response) => {
      if (!/javascript/.test(response.headers()['content-type'] ?? '')) return;
      bytes += gzipSync(await response.body()).length;
    });
    await page.goto('/commands/', { waitUntil: 'networkidle' });
    const reading = bytes / 1000;
    await page.locator('.berth-run').first().click();
    await page.waitForSelector('berth-dock[data-state="ready"]', { timeout: 120_000 });
    await page.waitForLoadState('networkidle');
    const afterRun = bytes / 1000;
    await page.request.delete('/api/session', { headers: { origin: url } });
    return [
      {
        name: 'reading page JS (gzip)',
        value: reading,
        unit: 'KB',
        target: lowerThan(50),
        note: '/commands/',
      },
      { name: 'page JS after Run (gzip)', value: afterRun, unit: 'KB', note: 'with the dock and xterm' },
    ];
  } finally {
    await browser.close();
  }
}

/** `npm run build` from scratch of the site's own output (dependencies installed). */
export function buildTime(): Figure[] {
  const started = performance.now();
  const result = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`npm run build exited ${result.status}`);
  return [
    { name: 'site build', value: (performance.now() - started) / 1000, unit: 's', note: 'npm run build' },
  ];
}

/**
 * A reading page loaded twice in one browser, as a reader going back to it: bytes over the wire
 * and the time to `load` each time. The second should be headers only: 304s for the pages and
 * nothing at all for the year-cached `/_astro/*` assets.
 */
export async function secondLoad(url: string): Promise<Figure[]> {
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ baseURL: url });
    const load = async () => {
      const page = await context.newPage();
      const sizes: Promise<number>[] = [];
      let css = 0;
      page.on('response', (response) => {
        sizes.push(
          response
            .request()
            .sizes()
            .then((s) => s.responseBodySize + s.responseHeadersSize)
            .catch(() => 0),
        );
        if (/text\/css/.test(response.headers()['content-type'] ?? '') && response.status() === 200) {
          void response.body().then((body) => {
            css += gzipSync(body).length;
          });
        }
      });
      await page.goto('/commands/', { waitUntil: 'networkidle' });
      const ms = await page.evaluate(() => {
        const [nav] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[];
        return nav ? nav.loadEventEnd - nav.startTime : 0;
      });
      const bytes = (await Promise.all(sizes)).reduce((a, b) => a + b, 0);
      await page.close();
      return { bytes, ms, css };
    };
    const first = await load();
    const second = await load();
    return [
      { name: 'reading page CSS (gzip)', value: first.css / 1000, unit: 'KB', note: '/commands/' },
      {
        name: 'reading page, first load',
        value: first.bytes / 1000,
        unit: 'KB',
        note: `over the wire; load in ${first.ms.toFixed(0)} ms`,
      },
      {
        name: 'reading page, second load',
        value: second.bytes / 1000,
        unit: 'KB',
        target: lowerThan(first.bytes / 10000),
        note: `over the wire; load in ${second.ms.toFixed(0)} ms`,
      },
    ];
  } finally {
    await browser.close();
  }
}
