import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { axeFindings, goto, recordErrors, typeInTerminal, useSite, waitForTerminalText } from './browser.ts';

const site = useSite();
/** One reader: the network test starts the sandbox, the layers test goes on in it. */
let reader: { context: BrowserContext; page: Page; errors: string[] };

/** A page in a new browser context that records console errors and uncaught exceptions. */
async function newReader(): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await site.browser.newContext({ baseURL: site.server.url });
  const page = await context.newPage();
  return { context, page, errors: recordErrors(page) };
}

/** The words alternative's list items, as a reader (or a screen reader) gets them. */
function wordItems(page: Page, view: string, kind?: string): Promise<string[]> {
  const selector = kind ? `li[data-kind="${kind}"]` : 'li';
  return page.locator(`${view} details [data-live-words] ${selector}`).allTextContents();
}

/** Every text drawn in the diagram's SVG (without the tooltips of cut texts). */
function drawnTexts(page: Page, view: string): Promise<string[]> {
  return page.locator(`${view} svg [data-live-drawing] text`).evaluateAll((texts) =>
    texts.map((text) =>
      [...text.childNodes]
        .filter((n) => n.nodeName !== 'title')
        .map((n) => n.textContent)
        .join(''),
    ),
  );
}

function svgDesc(page: Page, view: string): Promise<string> {
  return page.locator(`${view} svg > desc`).evaluate((desc) => desc.textContent ?? '');
}

/** Runs `command` in the terminal and returns the first capture of `pattern` in what it printed. */
async function ask(page: Page, command: string, pattern: RegExp): Promise<string> {
  await typeInTerminal(page, `${command}\n`);
  const text = await waitForTerminalText(page, pattern, 90_000);
  return pattern.exec(text)?.[1] ?? '';
}

const NETWORK = 'berth-network-view';
const LAYERS = 'berth-layers-view';

describe('live diagrams', () => {
  it('without a sandbox, show the example drawings and say so', async () => {
    const { page, errors, context } = await newReader();
    for (const [path, view] of [
      ['/networking/', NETWORK],
      ['/creating-images/', LAYERS],
      ['/key-concepts/', LAYERS],
    ] as const) {
      await goto(page, path);
      await expect(page.locator(view).getAttribute('data-showing')).resolves.toBe('example');
      await expect(page.locator(`${view} [data-live-note]`).textContent()).resolves.toMatch(
        /^Example drawing/,
      );
      if (view === LAYERS)
        await expect(page.locator(`${view} [data-live-controls]`).isHidden()).resolves.toBe(true);
      expect(await page.locator(`${view} [data-live-words]`).count()).toBe(0);
    }
    await goto(page, '/networking/');
    await expect(page.locator(`${NETWORK} details`).textContent()).resolves.toContain('veth3f2a1b9');
    // Nothing asked the server about a session that was never made (a 404 is a console error).
    expect(errors).toEqual([]);
    await context.close();
  });

  it('the network diagram draws the reader’s own container: its address and veth pair', async () => {
    reader = await newReader();
    const { page, errors } = reader;
    await goto(page, '/networking/');
    await page.locator('.berth-block .berth-run').first().click();
    await page.locator('berth-dock[data-state="ready"]').waitFor({ timeout: 90_000 });

    await page.locator(`${NETWORK}[data-showing="live"]`).waitFor({ timeout: 30_000 });
    await expect(page.locator(`${NETWORK} [data-live-note]`).textContent()).resolves.toMatch(
      /^Your sandbox, live/,
    );
    await expect
      .poll(() => wordItems(page, NETWORK, 'network'))
      .toEqual([
        expect.stringMatching(
          /^docker0: the bridge of network bridge, subnet \S+, gateway \S+\. No containers yet — run one$/,
        ),
      ]);

    await typeInTerminal(page, 'docker run -d --name sleeper busybox sleep 600\n');
    await waitForTerminalText(page, /^[0-9a-f]{64}\s*$/m, 90_000);
    const ip = await ask(
      page,
      `docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' sleeper`,
      /^(\d{1,3}(?:\.\d{1,3}){3})\s*$/m,
    );
    // The host end of sleeper's pair: the interface whose index is its eth0's peer index.
    const veth = await ask(
      page,
      'grep -l "^$(docker exec sleeper cat /sys/class/net/eth0/iflink)$" /sys/class/net/veth*/ifindex',
      /^\/sys\/class\/net\/(veth\w+)\/ifindex\s*$/m,
    );
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(veth).toMatch(/^veth\w+$/);

    const sentence = `sleeper — ${ip} on docker0 via ${veth}`;
    await expect.poll(() => wordItems(page, NETWORK, 'container'), { timeout: 15_000 }).toEqual([sentence]);
    const drawn = await drawnTexts(page, NETWORK);
    expect(drawn).toEqual(expect.arrayContaining(['sleeper', `eth0 ${ip}`, veth, 'docker0']));
    expect(await svgDesc(page, NETWORK)).toContain(`${sentence}.`);
    await expect(page.locator(`${NETWORK} svg > title`).textContent()).resolves.toBe(
      'Your sandbox’s networks, live',
    );

    expect(await axeFindings(page, NETWORK)).toEqual([]);
    await page.evaluate(() => {
      document.documentElement.dataset.theme = 'light';
    });
    expect(await axeFindings(page, NETWORK)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('the layers diagram shows an image’s layers, and a container’s changes on top', async () => {
    const { page, errors } = reader;
    await goto(page, '/creating-images/');
    await page.locator('berth-dock[data-state="ready"]').waitFor({ timeout: 30_000 });
    await page.locator(`${LAYERS}[data-showing="live"]`).waitFor({ timeout: 30_000 });

    await typeInTerminal(page, 'docker pull nginx\n');
    await waitForTerminalText(
      page,
      /Status: (Downloaded newer image|Image is up to date) for nginx/,
      120_000,
    );
    const count = Number(
      await ask(page, 'echo "layers=$(docker history -q nginx | wc -l)"', /^layers=(\d+)\s*$/m),
    );
    const cmd = await ask(
      page,
      "docker history --no-trunc --format '{{.CreatedBy}}' nginx | grep -m1 CMD",
      /^\/bin\/sh -c #\(nop\)\s+(CMD \[.*\])\s*$/m,
    );
    expect(count).toBeGreaterThan(3);
    expect(cmd).toContain('nginx');

    const images = page.locator(`${LAYERS} select[data-live-image]`);
    await expect
      .poll(() => images.locator('option').allTextContents(), { timeout: 15_000 })
      .toContain('nginx:latest');
    await images.selectOption('nginx:latest');
    await expect
      .poll(() => page.locator(`${LAYERS} [data-live-words] > p`).first().textContent(), { timeout: 15_000 })
      .toMatch(/^nginx:latest, live: /);
    const layers = await wordItems(page, LAYERS, 'layer');
    expect(layers).toHaveLength(count);
    expect(layers).toContain(`${cmd} — 0 B, metadata only (no files)`);
    expect(layers.at(-1)).toMatch(/^base layer: /);
    expect(await svgDesc(page, LAYERS)).toContain(cmd);

    await ask(page, 'docker run -d --name web nginx && echo started-web', /^(started-web)\s*$/m);
    await ask(page, 'docker exec web touch /tmp/berth-was-here && echo touched', /^(touched)\s*$/m);

    const containers = page.locator(`${LAYERS} select[data-live-container]`);
    await expect
      .poll(() => containers.locator('option').allTextContents(), { timeout: 15_000 })
      .toContain('web (running)');
    await containers.selectOption('web');
    await expect
      .poll(() => wordItems(page, LAYERS, 'container'), { timeout: 15_000 })
      .toEqual([
        expect.stringMatching(
          /^container layer of web \(read-write, [\d.]+ k?B\): .*added \/tmp\/berth-was-here/,
        ),
      ]);
    expect(await drawnTexts(page, LAYERS)).toEqual(
      expect.arrayContaining(['Container layer: web', 'A /tmp/berth-was-here']),
    );
    // The container sits on its image's layers.
    expect(await wordItems(page, LAYERS, 'layer')).toHaveLength(count);
    await expect(images.inputValue()).resolves.toBe('nginx:latest');

    expect(await axeFindings(page, LAYERS)).toEqual([]);
    expect(errors).toEqual([]);
  });
});
