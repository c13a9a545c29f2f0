import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  axeFindings,
  blockWith,
  goto,
  recordErrors,
  statusOf,
  terminalText,
  typeInTerminal,
  useSite,
  waitForTerminalText,
} from './browser.ts';

const site = useSite();

/** A reader in a browser context of their own: their own cookies, as a second person has. */
async function person(): Promise<{ page: Page; errors: string[] }> {
  const context = await site.browser.newContext({ baseURL: site.server.url });
  const page = await context.newPage();
  return { page, errors: recordErrors(page) };
}

/** The owner runs a block on the commands page, then makes a link of `kind`; its address. */
async function ownerShares(owner: Page, kind: 'watch' | 'drive'): Promise<string> {
  await goto(owner, '/commands/');
  const block = blockWith(owner, 'docker images');
  await block.locator('.berth-run').click();
  await owner.locator('berth-dock[data-state="ready"]').waitFor({ timeout: 90_000 });
  await expect.poll(statusOf(block), { timeout: 30_000 }).toBe('✓ exit 0');
  await owner.getByRole('button', { name: 'Share' }).click();
  await owner.getByRole('button', { name: `New ${kind} link` }).click();
  const url = owner.getByRole('textbox', { name: 'Share link' }).first();
  await expect.poll(() => url.inputValue()).toMatch(/#berth-share=[A-Za-z0-9_-]{43}$/);
  return url.inputValue();
}

/** The guest opens the link as given, and waits for the owner's terminal. */
async function guestOpens(
  guest: Page,
  url: string,
  kind: 'watch' | 'drive',
  errors: string[],
): Promise<void> {
  await goto(guest, url);
  await guest
    .locator(`berth-dock[data-guest="${kind}"][data-state="ready"]`)
    .waitFor({ timeout: 60_000 })
    .catch(async (error: Error) => {
      const refused = await guest.locator('.berth-share-refused').allTextContents();
      const docks = await guest
        .locator('berth-dock')
        .evaluateAll((all) =>
          all.map((d) => `${d.getAttribute('data-guest')}/${d.getAttribute('data-state')}`),
        );
      const said = await guest.locator('[data-dock-notice]:not([hidden])').allTextContents();
      throw new Error(
        [
          error.message,
          `refused: ${refused}`,
          `docks: ${docks}`,
          `notices: ${said}`,
          guest.url(),
          ...errors,
        ].join('\n'),
      );
    });
  // The token leaves the address bar at once: a reload or a copied address does not carry it.
  expect(guest.url()).not.toContain('berth-share');
}

describe('sharing a sandbox between two browsers', () => {
  it("lets a watcher see the owner's terminal and results live, and type nothing", async () => {
    const { page: owner, errors: ownerErrors } = await person();
    const { page: guest, errors: guestErrors } = await person();
    const url = await ownerShares(owner, 'watch');
    await guestOpens(guest, url, 'watch', guestErrors);

    // The guest's browser holds the link's cookie, never the owner's session.
    const ownerCookies = await owner.context().cookies();
    const session = ownerCookies.find((c) => c.name.includes('berth_session'));
    expect(session).toBeDefined();
    const guestCookies = await guest.context().cookies();
    expect(guestCookies.map((c) => c.value)).not.toContain(session?.value);
    expect(guestCookies.map((c) => c.name)).not.toContain(session?.name);

    // The owner's result is shown to the guest, and what the owner types reaches the guest live.
    await expect.poll(statusOf(blockWith(guest, 'docker images')), { timeout: 15_000 }).toBe('✓ exit 0');
    await typeInTerminal(owner, 'echo shared-$((6*7))\n');
    await waitForTerminalText(guest, /^shared-42$/m, 15_000);

    // The owner sees who is connected, by the name the guest gives.
    await guest.getByRole('textbox', { name: 'Your name' }).fill('Ada');
    await guest.getByRole('textbox', { name: 'Your name' }).press('Enter');
    await expect
      .poll(() => owner.locator('.berth-share-link').first().textContent(), { timeout: 15_000 })
      .toContain('1 connected: Ada');
    expect(await owner.getByRole('button', { name: /Share \(1\)/ }).count()).toBe(1);

    // A watcher's typing is refused, visibly, and never reaches the shell.
    await typeInTerminal(guest, 'echo watcher-typed\n');
    await guest.locator('[data-dock-notice="read-only"]:not([hidden])').waitFor({ timeout: 10_000 });
    await typeInTerminal(owner, 'echo owner-$((2*3))\n');
    await waitForTerminalText(guest, /^owner-6$/m, 15_000);
    expect(await terminalText(owner)).not.toContain('watcher-typed');
    // Nor may a watcher run a block, or see the owner's controls.
    await blockWith(guest, 'docker images').locator('.berth-run').click();
    await expect.poll(statusOf(blockWith(guest, 'docker images'))).toMatch(/^Not run: you are watching/);
    expect(await guest.getByRole('button', { name: 'Reset sandbox' }).isVisible()).toBe(false);
    expect(await guest.getByRole('button', { name: 'Share' }).isVisible()).toBe(false);

    // Where the owner goes, the guest follows.
    await goto(owner, '/volumes/');
    await owner.locator('berth-dock[data-state="ready"]').waitFor({ timeout: 30_000 });
    await guest.waitForURL(/\/volumes\/$/, { timeout: 15_000 });
    await guest.locator('berth-dock[data-guest="watch"][data-state="ready"]').waitFor({ timeout: 30_000 });

    expect(await axeFindings(owner, 'berth-dock')).toEqual([]);
    expect(await axeFindings(guest, 'berth-dock')).toEqual([]);

    // Revoking ends the guest's view at once, saying why.
    await owner.getByRole('button', { name: /^Share/ }).click();
    await owner.getByRole('button', { name: 'Revoke all' }).click();
    await guest.locator('berth-dock[data-state="expired"]').waitFor({ timeout: 10_000 });
    expect(await guest.locator('[data-dock-notice="failure"] p').textContent()).toMatch(/stopped sharing/);
    await guest.getByRole('button', { name: 'Leave' }).first().click();
    await expect.poll(() => guest.locator('berth-dock').count()).toBe(0);
    expect(ownerErrors).toEqual([]);
    expect(guestErrors).toEqual([]);
  });

  it("lets a driver type into the owner's shell, interleaved with the owner", async () => {
    const { page: owner } = await person();
    const { page: guest, errors: guestErrors } = await person();
    const url = await ownerShares(owner, 'drive');
    await guestOpens(guest, url, 'drive', guestErrors);
    await typeInTerminal(guest, 'echo driver-$((3*5))\n');
    await waitForTerminalText(owner, /^driver-15$/m, 15_000);
    await typeInTerminal(owner, 'echo owner-$((4*5))\n');
    await waitForTerminalText(guest, /^owner-20$/m, 15_000);
    expect(await guest.getByRole('button', { name: 'Stop' }).isVisible()).toBe(true);
  });
});
