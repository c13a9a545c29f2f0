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
