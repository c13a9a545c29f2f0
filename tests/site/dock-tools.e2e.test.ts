import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  axeFindings,
  blockWith,
  goto,
  recordErrors,
  reload,
  statusOf,
  terminalText,
  typeInTerminal,
  useSite,
  waitForTerminalText,
} from './browser.ts';

/*
 * The dock's tools as a reader expects them: the keyboard alone, the terminal's keys and text
 * (the renderer, copy and paste by the platform's keys, bracketed paste, character widths, the
 * screen-reader mode, links to the sandbox's localhost), files in and out, and on a phone the
 * keys its keyboard lacks. One sandbox for the desktop cases, one for the phone's.
 */

const site = useSite();

type XtermApi = {
  cols: number;
  rows: number;
  element: HTMLElement;
  hasSelection(): boolean;
  select(column: number, row: number, length: number): void;
  unicode: { activeVersion: string };
  options: { screenReaderMode: boolean };
  buffer: {
    active: {
      length: number;
      viewportY: number;
      getLine(y: number): {
        translateToString(trim: boolean): string;
        getCell(x: number): { getWidth(): number };
      };
    };
  };
};

async function openDock(page: Page): Promise<void> {
  await goto(page, '/commands/');
  const block = blockWith(page, 'docker images');
  await block.locator('.berth-run').click();
  await page.locator('berth-dock[data-state="ready"]').waitFor({ timeout: 90_000 });
  // Not expect.poll: this runs in beforeAll too.
  const status = statusOf(block);
  for (const deadline = Date.now() + 60_000; (await status()) !== '✓ exit 0'; ) {
    if (Date.now() > deadline) throw new Error(`the first block never succeeded: ${await status()}`);
    await page.waitForTimeout(200);
  }
}

/** Runs `command` and waits for `output` on a line of its own. */
async function run(page: Page, command: string, output: RegExp): Promise<void> {
  await typeInTerminal(page, `${command}\n`);
  await waitForTerminalText(page, output);
}

/** The buffer line holding `text` last (the output, below the command that printed it), and where. */
function lastLineWith(page: Page, text: string): Promise<{ y: number; x: number } | undefined> {
  return page.evaluate((text) => {
    const buffer = (document.querySelector('berth-dock') as unknown as { terminal: XtermApi }).terminal.buffer
      .active;
    for (let y = buffer.length - 1; y >= 0; y--) {
      const x = buffer.getLine(y)?.translateToString(true).indexOf(text) ?? -1;
      if (x >= 0) return { y, x };
    }
    return undefined;
  }, text);
}

/** Moves the mouse over `text` on the screen (xterm finds links on hover), then clicks it. */
async function clickText(page: Page, text: string): Promise<void> {
  const at = await lastLineWith(page, text);
  if (!at) throw new Error(`no ${text} in the terminal`);
  const point = await page.evaluate(({ y, x }) => {
    const terminal = (document.querySelector('berth-dock') as unknown as { terminal: XtermApi }).terminal;
    const screen = terminal.element.querySelector('.xterm-screen')?.getBoundingClientRect();
    if (!screen) throw new Error('no screen');
    const width = screen.width / terminal.cols;
    const height = screen.height / terminal.rows;
    const row = y - terminal.buffer.active.viewportY;
    return { x: screen.left + (x + 2.5) * width, y: screen.top + (row + 0.5) * height };
  }, at);
  await page.mouse.move(point.x - 5, point.y);
  await page.mouse.move(point.x, point.y);
  await page.waitForTimeout(300);
  await page.mouse.click(point.x, point.y);
}

const xterm = <T>(page: Page, read: (terminal: XtermApi) => T): Promise<T> =>
  page.evaluate(`(${read.toString()})(document.querySelector('berth-dock').terminal)`) as Promise<T>;

describe('the terminal on a desktop', () => {
  let context: BrowserContext;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    context = await site.browser.newContext({ baseURL: site.server.url });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: site.server.url });
    page = await context.newPage();
    errors = recordErrors(page);
    await openDock(page);
  }, 180_000);
  afterAll(() => context?.close());

  it('works from the keyboard alone, and axe finds nothing serious with the dock open', async () => {
    expect(await axeFindings(page)).toEqual([]);
    /** Presses Tab until the focus is on `selector`; the page's order, as a keyboard user meets it. */
    const tabTo = async (selector: string) => {
      for (let i = 0; i < 300; i++) {
        await page.keyboard.press('Tab');
        if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
      }
      throw new Error(`Tab never reached ${selector}`);
    };
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    // The first block's Run, met on the way down the page: `docker images` once more.
    await page.evaluate(() => {
      const ends = { count: 0 };
      (window as unknown as { ends: typeof ends }).ends = ends;
      document.addEventListener('berth:command-end', () => ends.count++);
    });
    const runs = () => page.evaluate(() => (window as unknown as { ends: { count: number } }).ends.count);
    const before = await runs();
    await tabTo('.berth-run');
    expect(await page.evaluate(() => document.activeElement?.closest('.berth-block')?.textContent)).toContain(
      'docker images',
    );
    await page.keyboard.press('Enter');
    await expect.poll(runs, { timeout: 60_000 }).toBe(before + 1);
    await expect.poll(statusOf(blockWith(page, 'docker images')), { timeout: 60_000 }).toBe('✓ exit 0');
    // The dock's handle resizes it by the arrow keys.
    await tabTo('berth-dock .berth-dock-handle');
    const height = (await page.locator('berth-dock').boundingBox())?.height ?? 0;
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowUp');
    await expect
      .poll(async () => (await page.locator('berth-dock').boundingBox())?.height ?? 0)
      .toBeGreaterThan(height + 20);
    // Its tabs, and past them the terminal, which then takes the keys.
    await tabTo('berth-dock [role="tab"][aria-selected="true"]');
    await tabTo('berth-dock .xterm-helper-textarea');
    await page.keyboard.type('echo keyboard-$((6*7))\n');
    await waitForTerminalText(page, /^keyboard-42$/m);
  });

  it('copies with Ctrl+Shift+C and with Ctrl+C over a selection; Ctrl+C alone interrupts', async () => {
    await run(page, 'echo copy-$((6*7))', /^copy-42$/m);
    const selectOutput = async () => {
      const at = await lastLineWith(page, 'copy-42');
      await page.evaluate(
        ({ y }) =>
          (document.querySelector('berth-dock') as unknown as { terminal: XtermApi }).terminal.select(
            0,
            y,
            7,
          ),
        at ?? { y: 0 },
      );
    };
    await selectOutput();
    await page.keyboard.press('Control+Shift+C');
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe('copy-42');

    await page.evaluate(() => navigator.clipboard.writeText(''));
    await selectOutput();
    await page.keyboard.press('Control+C');
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe('copy-42');
    // The selection is done with, and no ^C reached the shell.
    expect(await xterm(page, (t) => t.hasSelection())).toBe(false);
    expect(await terminalText(page)).not.toMatch(/\^C/);

    await typeInTerminal(page, 'sleep 120\n');
    await waitForTerminalText(page, /sleep 120\s*$/);
    await page.keyboard.press('Control+C');
    await waitForTerminalText(page, /\^C\s*\n[^\n]*reader@[^\n]*\$\s*$/, 10_000);
  });

  it('pastes with Ctrl+Shift+V, bracketed: a pasted line waits for Enter', async () => {
    await page.evaluate(() => navigator.clipboard.writeText('echo pasted-$((6*7))\n'));
    await page.locator('berth-dock [role="tabpanel"]:not([hidden]) .xterm-helper-textarea').focus();
    await page.keyboard.press('Control+Shift+V');
    await waitForTerminalText(page, /echo pasted-\$\(\(6\*7\)\)\s*$/, 10_000);
    // Bracketed: the shell took the newline as text, so nothing ran yet.
    await page.waitForTimeout(1000);
    expect(await terminalText(page)).not.toMatch(/^pasted-42$/m);
    await page.keyboard.press('Enter');
    await waitForTerminalText(page, /^pasted-42$/m, 10_000);
  });

  it('draws wide characters two cells wide (Unicode 11)', async () => {
    expect(await xterm(page, (t) => t.unicode.activeVersion)).toBe('11');
    await run(page, "printf '\\360\\237\\221\\215|wide\\n'", /\|wide$/m);
    const at = await lastLineWith(page, '|wide');
    expect(at?.x).toBe(2); // the thumbs-up takes columns 0 and 1
  });

  it('draws with WebGL, and with the DOM renderer once the GPU takes the context away', async () => {
    const screen = page.locator('berth-dock .xterm-screen').first();
    const domRows = screen.locator('.xterm-rows');
    expect(await screen.locator('canvas').count()).toBeGreaterThan(0);
    expect(await domRows.count()).toBe(0);
    await run(page, 'echo drawn-$((6*7))', /^drawn-42$/m);
    const size = await xterm(page, (t) => `${t.cols}x${t.rows}`);
    await page.evaluate(() => {
      // The renderer's own canvas; its link layer's is 2D and has a class.
      const canvas = document.querySelector(
        'berth-dock .xterm-screen canvas:not([class])',
      ) as HTMLCanvasElement;
      canvas.getContext('webgl2')?.getExtension('WEBGL_lose_context')?.loseContext();
    });
    // xterm waits 3 s for the context to come back before it gives the terminal up.
    await expect.poll(() => domRows.textContent(), { timeout: 15_000 }).toContain('drawn-42');
    expect(await screen.locator('canvas').count()).toBe(0);
    expect(await xterm(page, (t) => `${t.cols}x${t.rows}`)).toBe(size);
    await run(page, 'echo redrawn-$((6*7))', /^redrawn-42$/m);
    await expect.poll(() => domRows.textContent()).toContain('redrawn-42');
  });

  it('keeps a screen-reader copy of the text when asked, across a reload', async () => {
    const toggle = page.getByRole('button', { name: 'Screen reader' });
    expect(await toggle.getAttribute('aria-pressed')).toBe('false');
    await toggle.click();
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
    await run(page, 'echo spoken-$((6*7))', /^spoken-42$/m);
    await expect
      .poll(() => page.locator('berth-dock .xterm-accessibility-tree').first().textContent())
      .toContain('spoken-42');
    await reload(page);
    await page.locator('berth-dock[data-state="ready"]').waitFor({ timeout: 60_000 });
    expect(await page.getByRole('button', { name: 'Screen reader' }).getAttribute('aria-pressed')).toBe(
      'true',
    );
    expect(await xterm(page, (t) => t.options.screenReaderMode)).toBe(true);
    await page.getByRole('button', { name: 'Screen reader' }).click();
    expect(await xterm(page, (t) => t.options.screenReaderMode)).toBe(false);
  });

  it("opens a localhost:PORT link as that port's preview, and says when nothing publishes it", async () => {
    await run(page, 'echo "serving on localhost:4321"', /^serving on localhost:4321$/m);
    await clickText(page, 'localhost:4321');
    await expect
      .poll(() => page.locator('berth-dock [data-dock-notice="read-only"]').textContent())
      .toContain('Port 4321 is not published');

    await run(page, 'docker run -d -p 8080:80 nginx >/dev/null && echo started-$((6*7))', /^started-42$/m);
    await expect.poll(() => page.locator('.berth-dock-ports a').count(), { timeout: 30_000 }).toBe(1);
    const preview = await page.locator('.berth-dock-ports a').getAttribute('href');
    await run(page, 'echo "open localhost:8080/index.html"', /^open localhost:8080\/index\.html$/m);
    const [opened] = await Promise.all([context.waitForEvent('page'), clickText(page, 'localhost:8080')]);
    await opened.waitForLoadState('domcontentloaded');
    // The preview's address with the path the terminal showed below it.
    expect(preview).toMatch(/\/$/);
    expect(opened.url()).toBe(`${preview}index.html`);
    expect(await opened.content()).toMatch(/nginx/i);
    await opened.close();
    expect(errors).toEqual([]);
  });
});

describe('files in and out, from the dock', () => {
  it('uploads picked and dropped files to where the shell is, and downloads one as a .tar', async () => {
    const context = await site.browser.newContext({ baseURL: site.server.url, acceptDownloads: true });
    try {
      const page = await context.newPage();
      const errors = recordErrors(page);
      await openDock(page);
      await run(page, 'mkdir -p ~/up && cd ~/up && echo in-$((6*7))', /^in-42$/m);
      await page.locator('berth-dock .berth-dock-files summary').click();
      const status = page.locator('berth-dock .berth-files-status');
      await page.getByLabel('Upload files').setInputFiles([
        { name: 'hello.txt', mimeType: 'text/plain', buffer: Buffer.from('hello from the browser\n') },
        { name: 'Dockerfile', mimeType: 'text/plain', buffer: Buffer.from('FROM busybox\n') },
      ]);
      await expect
        .poll(() => status.textContent(), { timeout: 30_000 })
        .toBe('2 files placed in /home/reader/up.');
      await run(page, 'cat ~/up/hello.txt', /^hello from the browser$/m);

      // Dropped on the dock, as from a file manager.
      await page.evaluate(() => {
        const data = new DataTransfer();
        data.items.add(new File(['dropped here\n'], 'dropped.txt', { type: 'text/plain' }));
        const dock = document.querySelector('berth-dock') as HTMLElement;
        dock.dispatchEvent(
          new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }),
        );
        dock.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
      });
      await expect
        .poll(() => status.textContent(), { timeout: 30_000 })
        .toBe('1 file placed in /home/reader/up.');
      await run(page, 'cat ~/up/dropped.txt', /^dropped here$/m);

      await page.getByLabel('Download').fill('hello.txt');
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Download as .tar' }).click(),
      ]);
      expect(download.suggestedFilename()).toBe('hello.txt.tar');
      const saved = await download.createReadStream();
      const chunks: Buffer[] = [];
      for await (const chunk of saved) chunks.push(chunk as Buffer);
      const archive = Buffer.concat(chunks);
      // ustar: the name at the start of the first header, the content in the next block.
      expect(archive.subarray(0, 9).toString()).toBe('hello.txt');
      expect(archive.subarray(512, 512 + 23).toString()).toBe('hello from the browser\n');

      await page.getByLabel('Download').fill('no-such-file');
      await page.getByRole('button', { name: 'Download as .tar' }).click();
      await expect
        .poll(() => status.textContent())
        .toBe('Nothing was downloaded: There is nothing you can read at no-such-file in your sandbox.');
      expect(await axeFindings(page), 'axe').toEqual([]);
      // The browser reports the 404 of the download asked for a path that is not there; nothing else.
      expect(
        errors.filter((error) => !error.includes('/api/session/files?path=no-such-file')),
        'console errors',
      ).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe('the terminal on a phone', () => {
  it('draws without the WebGL chunk, and has a row of the keys a phone lacks: Ctrl, Esc, Tab, arrows, ^C', async () => {
    const context = await site.browser.newContext({
      baseURL: site.server.url,
      viewport: { width: 390, height: 844 },
      hasTouch: true,
      isMobile: true,
    });
    try {
      const page = await context.newPage();
      // This phone never gets the WebGL chunk (a flaky mobile link): its terminal draws in the DOM.
      await page.route(/\/_astro\/addon-webgl\.[^/]*\.js$/, (route) => route.abort());
      await openDock(page);
      expect(await page.locator('berth-dock .xterm-screen .xterm-rows').count()).toBe(1);
      const row = page.getByRole('toolbar', { name: 'Keys a phone keyboard lacks' });
      expect(await row.isVisible()).toBe(true);

      await run(page, 'echo first-$((6*7))', /^first-42$/m);
      await row.getByRole('button', { name: 'Up' }).tap();
      await waitForTerminalText(page, /\$ echo first-\$\(\(6\*7\)\)\s*$/, 10_000);
      await typeInTerminal(page, '\n');
      await expect
        .poll(async () => (await terminalText(page)).match(/^first-42$/gm)?.length ?? 0, { timeout: 10_000 })
        .toBe(2);

      await typeInTerminal(page, 'sleep 120\n');
      await waitForTerminalText(page, /sleep 120\s*$/);
      await row.getByRole('button', { name: 'Control C' }).tap();
      await waitForTerminalText(page, /\^C\s*\n[^\n]*reader@[^\n]*\$\s*$/, 10_000);

      await typeInTerminal(page, 'sleep 120\n');
      await waitForTerminalText(page, /sleep 120\s*$/);
      const ctrl = row.getByRole('button', { name: 'Ctrl' });
      await ctrl.tap();
      expect(await ctrl.getAttribute('aria-pressed')).toBe('true');
      await typeInTerminal(page, 'c');
      await waitForTerminalText(page, /\^C\s*\n[^\n]*reader@[^\n]*\$\s*$/, 10_000);
      expect(await ctrl.getAttribute('aria-pressed')).toBe('false');

      await typeInTerminal(page, 'ech');
      await row.getByRole('button', { name: 'Tab' }).tap();
      await waitForTerminalText(page, /\$ echo\s*$/, 10_000);
      await typeInTerminal(page, 'tabbed-$((6*7))\n');
      await waitForTerminalText(page, /^tabbed-42$/m);
    } finally {
      await context.close();
    }
  });
});
