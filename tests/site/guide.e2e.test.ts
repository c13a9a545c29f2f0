import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  removeInstance,
  type ServerProcess,
  spawnServer,
  uniqueInstance,
} from '../../sandbox-server/src/testing/server.ts';
import {
  axeFindings,
  blockWith,
  goto,
  guidePaths,
  recordErrors,
  reload,
  runReport,
  siteDir,
  statusOf,
  terminalText,
  typeInTerminal,
  useSite,
  waitForTerminalText,
} from './browser.ts';

const site = useSite();
/** Servers a test spawns itself, removed with what they made. */
const instances: string[] = [];

afterAll(async () => {
  for (const instance of instances) await removeInstance(instance);
});

/**
 * Runs a block as pages from elsewhere write it, put in place of one of the page's own: the
 * site's clicks are delegated, so Run takes whatever the block holds.
 */
async function runInstead(block: Locator, commands: string[], meta: object, inputs?: string[][]) {
  await block.evaluate(
    (element, [commands, meta, inputs]) => {
      element.setAttribute('data-commands', JSON.stringify(commands));
      element.setAttribute('data-meta', JSON.stringify(meta));
      if (inputs) element.setAttribute('data-inputs', JSON.stringify(inputs));
      else element.removeAttribute('data-inputs');
    },
    [commands, meta, inputs] as const,
  );
  await block.locator('.berth-run').click();
}

/** A page that fails the test on any console error or uncaught exception. */
async function strictPage(origin: string): Promise<{ page: Page; errors: string[] }> {
  const context = await site.browser.newContext({ baseURL: origin });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  const page = await context.newPage();
  return { page, errors: recordErrors(page) };
}

describe('the guide in a browser', () => {
  it('loads every page without console errors, and axe finds nothing serious', async () => {
    const { page, errors } = await strictPage(site.server.url);
    const paths = guidePaths();
    expect(paths.length).toBeGreaterThanOrEqual(9);
    for (const path of paths) {
      const response = await goto(page, path);
      expect(response?.status(), path).toBe(200);
      // Expressive Code makes overflowing blocks focusable once they have been measured.
      await page.waitForFunction(() =>
        [...document.querySelectorAll('.expressive-code pre')].every(
          (pre) => pre.scrollWidth <= pre.clientWidth || pre.hasAttribute('tabindex'),
        ),
      );
      const violations = await axeFindings(page);
      expect(violations, path).toEqual([]);
    }
    expect(errors).toEqual([]);
    // Reading ships no terminal code: the dock's module was never requested.
    const scripts = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name));
    expect(scripts.some((name) => /\/dock\.[\w-]+\.js$/.test(name))).toBe(false);
  });

  it('Copy gives the commands without prompts or output', async () => {
    const { page, errors } = await strictPage(site.server.url);
    await goto(page, '/commands/');
    const block = page.locator('.berth-block').first();
    const commands = JSON.parse((await block.getAttribute('data-commands')) ?? '[]') as string[];
    await block.locator('.berth-copy').click();
    await expect.poll(statusOf(block)).toBe('Copied');
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(`${commands.join('\n')}\n`);
    expect(copied).not.toMatch(/^\$ /m);
    expect(errors).toEqual([]);
  });

  it('Run types a block into the sandbox; the same shell survives a reload and navigation', async () => {
    const { page, errors } = await strictPage(site.server.url);
    await goto(page, '/commands/');
    const block = blockWith(page, 'docker images');
    // Keyboard first: the Run button is reachable and works without a mouse.
    await block.locator('.berth-run').focus();
    await page.keyboard.press('Enter');
    await page.locator('berth-dock[data-state="ready"]').waitFor({ timeout: 90_000 });
    await waitForTerminalText(page, /REPOSITORY\s+TAG\s+IMAGE ID/);
    await expect.poll(statusOf(block), { timeout: 30_000 }).toBe('✓ exit 0');

    await typeInTerminal(page, 'export BERTH_E2E=still-the-same-shell\n');
    await reload(page);
    await page.locator('berth-dock[data-state="ready"]').waitFor({ timeout: 30_000 });
    await waitForTerminalText(page, /export BERTH_E2E=still-the-same-shell/); // the screen came back
    await typeInTerminal(page, 'echo "value:$BERTH_E2E"\n');
    await waitForTerminalText(page, /^value:still-the-same-shell/m);

    await goto(page, '/networking/');
    await page.locator('berth-dock[data-state="ready"]').waitFor({ timeout: 30_000 });
    await typeInTerminal(page, 'echo "after navigation:$BERTH_E2E"\n');
    await waitForTerminalText(page, /^after navigation:still-the-same-shell/m);

    // A page's `images:` are pulled into the sandbox the reader brings to it, before any Run there.
    await goto(page, '/creating-images/');
    await page.locator('berth-dock[data-state="ready"]').waitFor({ timeout: 30_000 });
    const tags = () =>
      page.evaluate(async () => {
        const answer = (await (await fetch('/api/session/images')).json()) as {
          images?: { tags: string[] }[];
        };
        return (answer.images ?? []).flatMap((image) => image.tags);
      });
    await expect.poll(tags, { timeout: 60_000 }).toContain('httpd:2.4');
    expect(errors).toEqual([]);
  });

  it('offers to interrupt a running command instead of typing into it', async () => {
    const { page } = await strictPage(site.server.url);
    await goto(page, '/commands/');
    const block = blockWith(page, 'docker images');
    await block.locator('.berth-run').click();
    await page.locator('berth-dock[data-state="ready"]').waitFor({ timeout: 90_000 });
    await expect.poll(statusOf(block), { timeout: 30_000 }).toBe('✓ exit 0');
    await typeInTerminal(page, 'sleep 600\n');
    await waitForTerminalText(page, /sleep 600\s*$/);
    await block.locator('.berth-run').click();
    const interrupt = page.getByRole('button', { name: 'Interrupt and run' });
    await interrupt.waitFor();
    expect(await terminalText(page)).not.toMatch(/sleep 600\s*\n.*docker images/);
    await interrupt.click();
    await expect.poll(statusOf(block), { timeout: 30_000 }).toBe('✓ exit 0');
    expect(await terminalText(page)).toMatch(/\^C/);
  });
});

describe('progress in the browser', () => {
  it('shows ✗ with the exit code when a block fails', async () => {
    const { page } = await strictPage(site.server.url);
    await goto(page, '/commands/');
    // In a fresh sandbox there is no debian_demo yet to start.
    const block = blockWith(page, 'docker start debian_demo');
    await block.locator('.berth-run').click();
    await expect.poll(statusOf(block), { timeout: 90_000 }).toBe('✗ exit 1');
  });

  it('never shows ✓ for a line that did not run, nor waits on a command that ended', async () => {
    const { page } = await strictPage(site.server.url);
    await goto(page, '/commands/');
    const block = blockWith(page, 'docker start debian_demo');
    const runAs = (commands: string[], meta: object, inputs?: string[][]) =>
      runInstead(block, commands, meta, inputs);
    await runAs(['docker stop )'], {});
    await expect
      .poll(statusOf(block), { timeout: 90_000 })
      .toMatch(/^✗ the shell could not run it: .*syntax error/);
    await runAs(["echo 'never closed"], {});
    await expect.poll(statusOf(block), { timeout: 30_000 }).toMatch(/^✗ the shell is waiting for more input/);
    await runAs(['docker run -it no-such-image-here sh'], { until: '/ # ', ending: 'exit' });
    await expect.poll(statusOf(block), { timeout: 60_000 }).toMatch(/^✗ exit 125: ended before/);
    await runAs(['echo "the shell is fine"'], {});
    await expect.poll(statusOf(block), { timeout: 30_000 }).toBe('✓ exit 0');
    // A program's lines (`/ # …` after `docker run -it`) go into the program at its own prompt.
    await runAs(['docker run -it --rm busybox sh'], { expect: 'in-the-box-42' }, [
      ['echo in-the-box-$((20+22))', 'exit'],
    ]);
    await expect.poll(statusOf(block), { timeout: 60_000 }).toBe('✓ exit 0');
  });

  it('asks for a placeholder’s value before Run sends anything, guessing the id a block printed', async () => {
    const { page } = await strictPage(site.server.url);
    await goto(page, '/commands/');
    const block = blockWith(page, 'docker start debian_demo');
    const runAs = (commands: string[], meta: object) => runInstead(block, commands, meta);
    await runAs(['docker run -d --name filled busybox sleep 600'], {});
    await expect.poll(statusOf(block), { timeout: 90_000 }).toBe('✓ exit 0');
    await runAs(['docker inspect -f "{{.Name}}" <the-container-id>'], { expect: '/filled' });
    const field = block.getByLabel('<the-container-id>');
    await expect.poll(() => field.inputValue()).toMatch(/^[0-9a-f]{12}$/);
    expect(await terminalText(page)).not.toContain('docker inspect');
    expect(await axeFindings(page, { include: [['.berth-fill']] })).toEqual([]);
    await block.getByRole('button', { name: 'Run with these' }).click();
    await expect.poll(statusOf(block), { timeout: 30_000 }).toBe('✓ exit 0');
    await runAs(['docker rm -f <container-name>'], {});
    await block.getByLabel('<container-name>').press('Escape');
    await expect.poll(statusOf(block)).toBe('Not run');
  });

  it('Run with setup on a late block replays the page before it, marks finished sections, and survives a reload', async () => {
    const { page, errors } = await strictPage(site.server.url);
    await goto(page, '/commands/');
    const late = blockWith(page, 'docker exec debian_daemon cat /etc/os-release');
    await late.locator('.berth-run-setup').click();
    try {
      await expect.poll(statusOf(late), { timeout: 170_000, interval: 500 }).toBe('✓ exit 0');
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${await runReport(page)}`);
    }
    await waitForTerminalText(page, /PRETTY_NAME="Debian GNU\/Linux 13 \(trixie\)"/);
    const first = blockWith(page, 'docker images');
    expect(await first.locator('.berth-block-status').textContent()).toBe('✓ exit 0');
    await page.locator('starlight-toc a[href="#images"] .berth-toc-done').waitFor();

    await reload(page);
    await page.locator('berth-dock[data-state="ready"]').waitFor({ timeout: 30_000 });
    await expect.poll(statusOf(late)).toBe('✓ exit 0');
    await page.locator('starlight-toc a[href="#images"] .berth-toc-done').waitFor();
    expect(errors).toEqual([]);
  });
});

describe('the guide with the Docker engine unreachable', () => {
  let down: ServerProcess;

  beforeAll(async () => {
    const instance = uniqueInstance();
    instances.push(instance);
    down = await spawnServer({
      BERTH_INSTANCE: instance,
      BERTH_SITE_DIR: siteDir,
      DOCKER_HOST: 'unix:///nonexistent/docker.sock',
    });
  });

  afterAll(() => {
    down?.child.kill('SIGTERM');
  });

  it('still reads, still copies, and the dock says why Run is unavailable', async () => {
    const { page } = await strictPage(down.url);
    await goto(page, '/commands/');
    await expect(page.locator('h1').textContent()).resolves.toBeTruthy();
    const block = page.locator('.berth-block').first();
    await block.locator('.berth-copy').click();
    await expect.poll(statusOf(block)).toBe('Copied');

    await block.locator('.berth-run').click();
    await page.locator('berth-dock[data-state="unavailable"]').waitFor({ timeout: 30_000 });
    await expect(page.locator('berth-dock .berth-dock-status').textContent()).resolves.toMatch(
      /Docker engine/,
    );
    await expect.poll(statusOf(block)).toMatch(/^Not run: .*Docker engine/);
  });
});
