/**
 * The only script every page ships: wires the Run, Run with setup and Copy buttons of console
 * blocks, and shows which blocks ran in this sandbox. The terminal dock (and xterm with it) is
 * loaded on the first Run, or on a later page once the reader has opened it, never before.
 *
 * A share link's guest (../sharing/guest-mode.ts) gets the dock at once, attached to the owner's
 * sandbox: this page then follows the owner's from page to page and shows the owner's results.
 */

import {
  isSitePath,
  type OwnerPage,
  type SharedResult,
  type SharedSessionView,
} from '../../sandbox-server/src/contract/sharing.ts';
import type { BerthDock, RunResult } from '../dock/dock.ts';
import { DOCK_OPENED_KEY } from '../dock/dock-opened.ts';
import { guestLink, joinShare, shareTokenInAddress } from '../sharing/guest-mode.ts';
import { type BlockMeta, filledValue } from './block-meta.ts';
import { copyText } from './copy-text.ts';
import { askForValues, filledEarlier, noteFill, noteIds } from './placeholder-form.ts';
import { blockPlaceholders, fillPlaceholders } from './placeholders.ts';

const PROGRESS_KEY = 'berth-progress';
let dock: Promise<BerthDock> | undefined;

/** What a run showed: its verdict, its exit code when it ended, and why it failed. */
type Shown = { ok: boolean; code?: number; reason?: string };
/** The results of this page's blocks (by index), kept for one sandbox only. */
type Progress = { sandbox: string; pages: Record<string, Record<number, Shown>> };

/** `create`: a Run may start a sandbox; a page that only restores the dock must not. */
function loadDock(create: boolean): Promise<BerthDock> {
  dock ??= import('../dock/dock.ts').then(async (module) => {
    const opened = await module.openDock(create);
    if (opened.guest) return opened; // a guest's results are the owner's (berth:shared)
    opened.addEventListener('berth-sandbox', () => restoreProgress(opened));
    if (opened.sandbox) restoreProgress(opened);
    return opened;
  });
  return dock;
}

function blocks(): HTMLElement[] {
  return [...document.querySelectorAll<HTMLElement>('.berth-block')];
}

function commandsOf(block: HTMLElement): string[] {
  return JSON.parse(block.dataset.commands ?? '[]') as string[];
}

function inputsOf(block: HTMLElement): string[][] | undefined {
  return block.dataset.inputs ? (JSON.parse(block.dataset.inputs) as string[][]) : undefined;
}

/** What Copy gives: every line a reader types, each command followed by its program's lines. */
function typedLines(block: HTMLElement): string[] {
  const inputs = inputsOf(block) ?? [];
  return commandsOf(block).flatMap((command, index) => [command, ...(inputs[index] ?? [])]);
}

function metaOf(block: HTMLElement): BlockMeta {
  return JSON.parse(block.dataset.meta ?? '{}') as BlockMeta;
}

function runnable(block: HTMLElement): boolean {
  return block.querySelector('.berth-run') !== null;
}

function say(block: HTMLElement, text: string, kind: 'ok' | 'fail' | 'info' = 'info'): void {
  const status = block.querySelector('.berth-block-status');
  if (!status) return;
  status.textContent = text;
  status.setAttribute('data-kind', kind);
}

/**
 * A run's outcome: shown, and remembered on the block for the table of contents. ✓ only for a
 * block that ran and ended as declared; a line that never ran shows why, not an exit code.
 */
function showResult(block: HTMLElement, result: Shown): void {
  say(block, resultText(result), result.ok ? 'ok' : 'fail');
  block.setAttribute('data-result', result.ok ? 'ok' : 'fail');
}

/** `✓ exit 0`, `✗ exit 1`, `✗ exit 0: output lacks "…"`, `✗ the shell could not run it: …`. */
function resultText({ ok, code, reason }: Shown): string {
  if (ok) return `✓ exit ${code ?? 0}`;
  if (code === undefined) return `✗ ${reason ?? 'failed'}`;
  return reason && reason !== 'expected exit 0' ? `✗ exit ${code}: ${reason}` : `✗ exit ${code}`;
}

function readProgress(): Progress | undefined {
  try {
    return JSON.parse(sessionStorage.getItem(PROGRESS_KEY) ?? 'null') ?? undefined;
  } catch {
    return undefined;
  }
}

function saveResult(sandbox: string | undefined, block: HTMLElement, result: Shown): void {
  if (!sandbox || guestLink()) return;
  const stored = readProgress();
  const progress: Progress = stored?.sandbox === sandbox ? stored : { sandbox, pages: {} };
  const page = progress.pages[location.pathname] ?? {};
  page[blocks().indexOf(block)] = result;
  progress.pages[location.pathname] = page;
  sessionStorage.setItem(PROGRESS_KEY, JSON.stringify(progress));
  tellGuests(page);
}

/** The owner's page and results, for the dock to tell their guests when there are any. */
function tellGuests(page: Record<number, Shown>): void {
  const results: Record<string, SharedResult> = {};
  for (const [index, { ok, code, reason }] of Object.entries(page)) {
    const result: SharedResult = { ok };
    if (code !== undefined && Number.isInteger(code) && code >= -1 && code <= 255) result.code = code;
    if (reason) result.reason = reason.slice(0, 200);
    results[index] = result;
  }
  const detail: OwnerPage = { path: location.pathname, results };
  document.dispatchEvent(new CustomEvent('berth:page-results', { detail }));
}

/** A guest's page: where the owner goes, it goes; what the owner's blocks showed, it shows. */
function followOwner(view: SharedSessionView): void {
  const { page } = view;
  if (!page) return;
  if (page.path !== location.pathname && isSitePath(page.path)) {
    location.assign(page.path);
    return;
  }
  blocks().forEach((block, index) => {
    const result = page.results[index];
    if (result) showResult(block, result);
    else if (block.hasAttribute('data-result')) {
      block.removeAttribute('data-result');
      say(block, '');
    }
  });
  markContents();
}

/** After a reload or on another page: the results of blocks run earlier in this same sandbox. */
function restoreProgress(opened: BerthDock): void {
  const stored = readProgress();
  const progress = stored?.sandbox === opened.sandbox ? stored : undefined;
  const page = progress?.pages[location.pathname] ?? {};
  tellGuests(page);
  if (!progress) return;
  blocks().forEach((block, index) => {
    const result = page[index];
    if (result) showResult(block, result);
  });
  markContents();
}

/** Marks in the table of contents the sections whose runnable blocks all succeeded. */
function markContents(): void {
  const sections = new Map<string, HTMLElement[]>();
  let current = '';
  const content = document.querySelector('.sl-markdown-content') ?? document.body;
  for (const element of content.querySelectorAll<HTMLElement>('h2[id], h3[id], .berth-block')) {
    if (!element.classList.contains('berth-block')) current = element.id;
    else if (current && runnable(element)) sections.set(current, [...(sections.get(current) ?? []), element]);
  }
  for (const [id, members] of sections) {
    const done = members.every((block) => block.getAttribute('data-result') === 'ok');
    for (const link of document.querySelectorAll<HTMLAnchorElement>(
      `starlight-toc a[href="#${CSS.escape(id)}"]`,
    )) {
      link.toggleAttribute('data-berth-done', done);
      let mark = link.querySelector('.berth-toc-done');
      if (done && !mark) {
        mark = document.createElement('span');
        mark.className = 'berth-toc-done';
        mark.textContent = ' ✓';
        mark.setAttribute('aria-label', ', every step ran');
        link.append(mark);
      } else if (!done) mark?.remove();
    }
  }
}

async function runBlock(opened: BerthDock, block: HTMLElement): Promise<RunResult> {
  let commands = commandsOf(block);
  let inputs = inputsOf(block);
  // What earlier blocks filled (the join command `docker swarm init` printed) goes in unasked.
  const earlier = filledEarlier(blockPlaceholders(commands, inputs));
  commands = commands.map((command) => fillPlaceholders(command, earlier));
  inputs = inputs?.map((lines) => lines.map((line) => fillPlaceholders(line, earlier)));
  const placeholders = blockPlaceholders(commands, inputs);
  if (placeholders.length > 0) {
    say(block, 'Waiting for your values…');
    const values = await askForValues(block, placeholders);
    if (!values) {
      say(block, 'Not run');
      return { outcome: 'cancelled' };
    }
    commands = commands.map((command) => fillPlaceholders(command, values));
    inputs = inputs?.map((lines) => lines.map((line) => fillPlaceholders(line, values)));
  }
  if (opened.guest?.kind === 'watch') {
    say(block, "Not run: you are watching someone else's sandbox; only they and their drivers type", 'fail');
    return { outcome: 'cancelled' };
  }
  say(block, 'Running…');
  const meta = metaOf(block);
  const result = await opened.run(commands, meta, inputs);
  if (result.outcome === 'cancelled') say(block, 'Not run');
  else {
    noteIds(result.output);
    const value = result.ok && meta.fills ? filledValue(meta.fills, result.output) : undefined;
    if (meta.fills && value) noteFill(meta.fills.placeholder, value);
    const shown: Shown = { ok: result.ok, code: result.code, reason: result.reason };
    showResult(block, shown);
    saveResult(opened.sandbox, block, shown);
    markContents();
  }
  return result;
}

/** The page's setup, then every runnable block before this one, visibly, stopping at a failure. */
async function runWithSetup(opened: BerthDock, target: HTMLElement): Promise<RunResult> {
  const setup = JSON.parse(document.getElementById('berth-page-setup')?.textContent ?? '[]') as string[];
  if (setup.length > 0) {
    say(target, 'Running the page setup…');
    const result = await opened.run(setup);
    if (result.outcome === 'cancelled' || !result.ok) return result;
  }
  for (const block of blocks().filter(runnable)) {
    if (block === target) break;
    const result = await runBlock(opened, block);
    if (result.outcome === 'cancelled' || !result.ok) {
      say(target, result.outcome === 'cancelled' ? 'Not run' : 'Not run: an earlier step failed', 'fail');
      return result;
    }
  }
  return runBlock(opened, target);
}

async function onAction(button: HTMLButtonElement): Promise<void> {
  const block = button.closest<HTMLElement>('.berth-block');
  if (!block) return;
  if (button.dataset.action === 'copy') {
    try {
      await copyText(`${typedLines(block).join('\n')}\n`);
      say(block, 'Copied');
    } catch {
      say(block, 'Copy failed: select the text instead', 'fail');
    }
    return;
  }
  if (button.getAttribute('aria-busy') === 'true') return;
  button.setAttribute('aria-busy', 'true');
  say(block, 'Running…');
  try {
    sessionStorage.setItem(DOCK_OPENED_KEY, 'open');
    const opened = await loadDock(true);
    if (button.dataset.action === 'run-setup') await runWithSetup(opened, block);
    else await runBlock(opened, block);
  } catch (error) {
    say(block, `Not run: ${(error as Error).message}`, 'fail');
  } finally {
    button.removeAttribute('aria-busy');
  }
}

document.addEventListener('click', (event) => {
  const button = (event.target as Element | null)?.closest?.<HTMLButtonElement>(
    '.berth-block button[data-action]',
  );
  if (button) void onAction(button);
});

/** Opens the share link this page came from: the guest's dock, or the reason it cannot be had. */
async function joinFromAddress(token: string): Promise<void> {
  try {
    await joinShare(token);
  } catch (error) {
    const notice = document.createElement('p');
    notice.className = 'berth-share-refused';
    notice.setAttribute('role', 'alert');
    notice.textContent = `This share link cannot be opened: ${(error as Error).message}`;
    document.querySelector('.sl-markdown-content')?.prepend(notice);
    return;
  }
  sessionStorage.setItem(DOCK_OPENED_KEY, 'open');
  await loadDock(false);
}

document.addEventListener('berth:shared', (event) =>
  followOwner((event as CustomEvent<SharedSessionView>).detail),
);

const token = shareTokenInAddress();
if (token) void joinFromAddress(token);
else if (guestLink() || sessionStorage.getItem(DOCK_OPENED_KEY) === 'open') void loadDock(false);
