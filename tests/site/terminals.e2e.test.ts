import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
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

const site = useSite();

type Events = { commandEnds: { terminal: string; exitCode: number }[]; sessions: { state: string }[] };

/** A page that records console errors and the dock's events (from before any script runs). */
async function newPage(context?: BrowserContext): Promise<{ page: Page; errors: string[] }> {
  const own = context ?? (await site.browser.newContext({ baseURL: site.server.url }));
  await own.addInitScript(() => {
    const events = { commandEnds: [] as unknown[], sessions: [] as unknown[] };
    (window as unknown as { berthEvents: typeof events }).berthEvents = events;
    document.addEventListener('berth:command-end', (e) => events.commandEnds.push((e as CustomEvent).detail));
    document.addEventListener('berth:session', (e) => events.sessions.push((e as CustomEvent).detail));
  });
  const page = await own.newPage();
  return { page, errors: recordErrors(page) };
}

function events(page: Page): Promise<Events> {
  return page.evaluate(() => (window as unknown as { berthEvents: Events }).berthEvents);
}

type DockApi = HTMLElement & { terminalNames: string[]; shownTerminal: string };

/** The dock's open terminals, in tab order, and the one shown. */
function names(page: Page): Promise<string[]> {
  return page.evaluate(() => (document.querySelector('berth-dock') as DockApi).terminalNames);
}

function shown(page: Page): Promise<string> {
  return page.evaluate(() => (document.querySelector('berth-dock') as DockApi).shownTerminal);
}

/** The shown terminal sits at a prompt: its last line is bash's `reader@…$ `. */
function atPrompt(page: Page): Promise<string> {
  return waitForTerminalText(page, /reader@[^\n]*\$\s*$/);
}

/** Opens the dock as a reader does: Run on the first block of the commands page. */
async function openDockOnCommands(page: Page): Promise<void> {
  await goto(page, '/commands/');
  const block = blockWith(page, 'docker images');
  await block.locator('.berth-run').click();
  await page.locator('berth-dock[data-state="ready"]').waitFor({ timeout: 90_000 });
  await expect.poll(statusOf(block), { timeout: 30_000 }).toBe('✓ exit 0');
}

describe('several terminals in the dock', () => {
  it('runs a second terminal while the first is busy, and both come back after a reload', async () => {
    const { page, errors } = await newPage();
    await openDockOnCommands(page);
    expect((await events(page)).sessions).toEqual([{ state: 'ready' }]);
    await typeInTerminal(page, 'sleep 300\n');
    await waitForTerminalText(page, /sleep 300\s*$/);

    await page.getByRole('button', { name: 'New terminal' }).click();
    await expect.poll(() => names(page)).toEqual(['main', '2']);
    expect(await page.getByRole('tab', { name: '2' }).getAttribute('aria-selected')).toBe('true');
    expect(await shown(page)).toBe('2');
    await atPrompt(page);
    await typeInTerminal(page, 'export BERTH_TAB=tab-two; echo second-$((6*7))\n');
    await waitForTerminalText(page, /^second-42$/m);
    await expect
      .poll(async () => (await events(page)).commandEnds)
      .toContainEqual({ terminal: '2', exitCode: 0 });

    // Keyboard: the arrow keys move between tabs, and main is still busy with its sleep.
    await page.getByRole('tab', { name: '2' }).focus();
    await page.keyboard.press('ArrowLeft');
    expect(await shown(page)).toBe('main');
    expect(await page.getByRole('tab', { name: 'main' }).getAttribute('aria-selected')).toBe('true');
    expect(await page.getByRole('tabpanel').count()).toBe(1); // the hidden one is out of the way
    expect(await terminalText(page)).toMatch(/sleep 300\s*$/);
    await page.keyboard.press('ArrowRight');
    expect(await shown(page)).toBe('2');

    await reload(page);
    await page.locator('berth-dock[data-state="ready"]').waitFor({ timeout: 30_000 });
    expect(await names(page)).toEqual(['main', '2']);
    expect(await shown(page)).toBe('2');
    await waitForTerminalText(page, /^second-42$/m); // tab 2's screen came back
    await atPrompt(page);
    await typeInTerminal(page, 'echo "tab:$BERTH_TAB"\n');
    await waitForTerminalText(page, /^tab:tab-two$/m);
    // Only what ended after the reload is announced, not the commands replayed with the screen.
    await expect.poll(async () => (await events(page)).commandEnds).toEqual([{ terminal: '2', exitCode: 0 }]);

    await page.getByRole('tab', { name: 'main' }).click();
    await waitForTerminalText(page, /sleep 300\s*$/); // the same shell, its sleep still running
    await page.getByRole('button', { name: 'Stop' }).click();
    await atPrompt(page);
    await expect
      .poll(async () => (await events(page)).commandEnds)
      .toContainEqual({ terminal: 'main', exitCode: 130 });
    expect(errors).toEqual([]);
  });

  it('closing a tab ends its shell; a new tab starts a fresh one', async () => {
    const { page, errors } = await newPage();
    await openDockOnCommands(page);
    await page.getByRole('button', { name: 'New terminal' }).click();
    await atPrompt(page);
    await typeInTerminal(page, 'export BERTH_TAB=old-shell\n');
    await atPrompt(page);

    await page.locator('berth-dock [data-close="2"]').click();
    await expect.poll(() => names(page)).toEqual(['main']);
    expect(await shown(page)).toBe('main');

    await page.getByRole('button', { name: 'New terminal' }).click();
    await atPrompt(page);
    await typeInTerminal(page, 'echo "tab:$BERTH_TAB."\n');
    await waitForTerminalText(page, /^tab:\.$/m);
    // Delete on a tab closes it too, and the tab before it is shown and focused.
    await page.getByRole('tab', { name: '2' }).focus();
    await page.keyboard.press('Delete');
    await expect.poll(() => names(page)).toEqual(['main']);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('main');
    expect(errors).toEqual([]);
  });

  it('runs a block with terminal= in its own tab, and judges it there', async () => {
    const { page, errors } = await newPage();
    await goto(page, '/commands/');
    const daemon = blockWith(page, 'docker run --name debian_daemon -d');
    await daemon.locator('.berth-run').click();
    await expect.poll(statusOf(daemon), { timeout: 120_000 }).toBe('✓ exit 0');

    const follow = blockWith(page, 'docker logs -f debian_daemon');
    expect(JSON.parse((await follow.getAttribute('data-meta')) ?? '{}')).toMatchObject({ terminal: 'logs' });
    await follow.locator('.berth-run').click();
    await expect.poll(() => names(page), { timeout: 30_000 }).toEqual(['main', 'logs']);
    expect(await shown(page)).toBe('logs');
    await expect.poll(statusOf(follow), { timeout: 60_000 }).toMatch(/^✓ exit (0|130)$/); // ended with Ctrl-C, as the block says
    const logs = await waitForTerminalText(page, /docker logs -f debian_daemon\s*\n(running\s*\n)+/);
    expect(logs).toMatch(/\^C/);
    const ends = (await events(page)).commandEnds;
    expect(ends.filter((end) => end.terminal === 'logs')).toHaveLength(1);

    await page.getByRole('tab', { name: 'main' }).click();
    expect(await terminalText(page)).not.toMatch(/docker logs -f/);
    expect(errors).toEqual([]);
  });

  it('links a published port, which opens in this browser and nowhere else', async () => {
    const context = await site.browser.newContext({ baseURL: site.server.url });
    const { page, errors } = await newPage(context);
    await openDockOnCommands(page);
    await expect(page.locator('berth-dock a', { hasText: 'Open port' }).count()).resolves.toBe(0);
    await typeInTerminal(page, 'docker run -d --name web -p 127.0.0.1:5000:80 nginx\n');
    const link = page.locator('berth-dock a', { hasText: 'Open port 5000' });
    await link.waitFor({ timeout: 120_000 }).catch(async (error) => {
      console.log(
        'DEBUG',
        await terminalText(page),
        await page.evaluate(async () => (await fetch('/api/session/ports')).text()),
        errors,
      );
      throw error;
    });
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('rel')).toBe('noopener');

    const [preview] = await Promise.all([context.waitForEvent('page'), link.click()]);
    await preview.waitForLoadState();
    await expect.poll(() => preview.title(), { timeout: 30_000 }).toBe('Welcome to nginx!');
    expect(await preview.locator('body').textContent()).toMatch(/offline stand-in for the nginx image/);

    const url = await link.evaluate((a) => (a as HTMLAnchorElement).href);
    const stranger = await site.browser.newContext();
    const response = await (await stranger.newPage()).goto(url);
    expect(response?.status()).toBe(404);
    await stranger.close();

    await typeInTerminal(page, 'docker rm -f web\n');
    await link.waitFor({ state: 'detached', timeout: 30_000 });
    expect(errors).toEqual([]);
  });
});

describe("a reader's hosts in the dock", () => {
  it('adds a host with "+ host", and runs a page\'s blocks on node1 and node2 with Run alone', async () => {
    const { page, errors } = await newPage();
    await goto(page, '/machine-swarm-compose/');
    const init = blockWith(page, 'docker swarm init --advertise-addr eth0');
    await init.locator('.berth-run').click();
    await expect.poll(statusOf(init), { timeout: 120_000 }).toBe('✓ exit 0');

    // The join block runs on node2, with the command node1 printed filled in unasked.
    const join = page.locator('[data-meta*="node2"]').filter({ hasText: '<join-command>' }).first();
    await join.locator('.berth-run').click();
    await expect.poll(statusOf(join), { timeout: 120_000 }).toBe('✓ exit 0');
    expect(await names(page)).toContain('node2');
    expect(await shown(page)).toBe('node2');
    await waitForTerminalText(page, /joined a swarm as a worker/);
    // The page's diagram of the hosts is drawn from the reader's own, the swarm's ingress among them.
    const hostsDrawn = () => page.locator('berth-hosts-view svg > desc').textContent();
    await expect.poll(hostsDrawn, { timeout: 30_000 }).toMatch(/node2 at 100\.64\.2\.2/);
    await expect.poll(hostsDrawn, { timeout: 30_000 }).toMatch(/overlay ingress \S+ spans node1/);

    await page.getByRole('button', { name: 'New host' }).click();
    await expect.poll(() => shown(page), { timeout: 30_000 }).toBe('node4');
    await atPrompt(page);
    await typeInTerminal(page, 'echo "on $(hostname)"; getent hosts node1 | cut -d" " -f1\n');
    await waitForTerminalText(page, /^on node4$/m);
    await waitForTerminalText(page, /^100\.64\.1\.2$/m);
    await expect.poll(hostsDrawn, { timeout: 30_000 }).toMatch(/node4 at 100\.64\.4\.2/);

    // Closing a host's own tab removes the host.
    await page.locator('berth-dock [data-close="node4"]').click();
    await expect.poll(() => names(page)).not.toContain('node4');
    await expect
      .poll(async () =>
        page.evaluate(async () =>
          ((await (await fetch('/api/session')).json()) as { hosts: { name: string }[] }).hosts.map(
            (h) => h.name,
          ),
        ),
      )
      .not.toContain('node4');
    expect(errors).toEqual([]);
  });
});
