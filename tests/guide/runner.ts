import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  createSession,
  endSession,
  hostsReady,
  sessionReady,
} from '../../sandbox-server/src/testing/server.ts';
import { TerminalClient } from '../../sandbox-server/src/testing/terminal-client.ts';
import { type BlockMeta, filledValue, stripTerminalCodes } from '../../src/blocks/block-meta.ts';
import { BlockRun, type BlockVerdict } from '../../src/blocks/block-run.ts';
import { consoleBlocksOf, type PageBlock, pageSettingsOf } from '../../src/blocks/page-blocks.ts';
import { blockPlaceholders, fillPlaceholders } from '../../src/blocks/placeholders.ts';
import { pageFiles } from '../../src/content-pages.ts';

export type BlockResult =
  | { page: string; block: PageBlock; status: 'skipped'; reason: string }
  /** Words the reader is meant to replace (`<the-container-id>`): reported, never sent. */
  | { page: string; block: PageBlock; status: 'placeholder'; placeholders: string[] }
  | {
      page: string;
      block: PageBlock | undefined;
      status: 'passed' | 'failed';
      command: string;
      /** The exit code, when the command ran to an end. */
      code: number | undefined;
      problem?: string;
      tail: string;
    };

export type PageReport = { page: string; results: BlockResult[]; seconds: number };

const DEFAULT_TIMEOUT_S = 120;
/** Pages run side by side, each in its own sandbox; more would only queue on two cores. */
const PARALLEL_PAGES = 3;

function tailOf(output: string, lines = 8): string {
  const clean = stripTerminalCodes(output).replace(/\r+\n/g, '\n').replace(/\r/g, '\n');
  return clean.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Every page in a content folder, as the site would render it. */
export async function pagesIn(contentDir: string): Promise<string[]> {
  return pageFiles(contentDir).map((file) => path.join(contentDir, file));
}

/** Runs commands in a shell at its prompt with the block runner the dock uses, and its verdict. */
async function runBlock(
  terminal: TerminalClient,
  commands: string[],
  meta: BlockMeta,
  inputs?: string[][],
): Promise<BlockVerdict & { outcome: 'ran'; atPrompt: boolean }> {
  const run = new BlockRun(
    commands,
    meta,
    { send: (text) => terminal.type(text) },
    { timeoutMs: (meta.timeout ?? DEFAULT_TIMEOUT_S) * 1000, inputs },
  );
  const stop = terminal.onOutput((text) => run.feed(text));
  run.start();
  // Nothing here cancels a run: every verdict is one that ran.
  const verdict = (await run.done.finally(stop)) as BlockVerdict & { outcome: 'ran' };
  return { ...verdict, atPrompt: run.atPrompt };
}

/** What the runner reports of a failed verdict: the exit code when there is one, and why. */
function problemOf(verdict: BlockVerdict & { outcome: 'ran' }): string {
  if (verdict.code === undefined) return verdict.reason ?? 'failed';
  return `exit ${verdict.code}: ${verdict.reason ?? 'failed'}`;
}

/** Runs one page's setup and blocks in order, in a fresh sandbox of its own. */
export async function runPage(url: string, file: string): Promise<PageReport> {
  const started = performance.now();
  const page = path.basename(file);
  const source = await readFile(file, 'utf8');
  const results: BlockResult[] = [];
  const session = await createSession(url);
  if (session.status !== 201) throw new Error(`${page}: no sandbox: ${JSON.stringify(session.body)}`);
  const terminals = new Map<string, TerminalClient>();
  const terminal = async (name: string, host = 'node1') => {
    const key = `${host}:${name}`;
    let open = terminals.get(key);
    if (!open) {
      const on = host === 'node1' ? undefined : host;
      open = await TerminalClient.open(url, name, { cookie: session.cookie, on });
      terminals.set(key, open);
      await open.ready(120_000);
    }
    return open;
  };
  const settings = pageSettingsOf(source);
  /** Placeholders earlier blocks filled from their output (`fills=`), as the site fills them. */
  const filled = new Map<string, string>();
  try {
    const main = await terminal('main');
    // As the page does for a reader: the hosts it needs are asked for once the sandbox is ready.
    if (settings.hosts > 1) {
      await sessionReady(url, session.cookie);
      await hostsReady(url, session.cookie, settings.hosts);
    }
    // As the page does for a reader: the images it uses are pulled while the blocks run.
    if (settings.images.length > 0) await askPulls(url, session.cookie, settings.images);
    for (const command of settings.setup) {
      const verdict = await runBlock(main, [command], {});
      if (!verdict.ok) {
        results.push(pageFailure(page, command, verdict, `page setup failed: ${problemOf(verdict)}`, main));
        return { page, results, seconds: (performance.now() - started) / 1000 };
      }
    }
    for (const block of consoleBlocksOf(source, file.endsWith('.md') ? 'md' : 'mdx')) {
      if (block.meta.norun !== undefined) {
        results.push({ page, block, status: 'skipped', reason: block.meta.norun });
        continue;
      }
      const commands = block.commands.map((command) => fillPlaceholders(command, filled));
      const inputs = block.inputs?.map((lines) => lines.map((line) => fillPlaceholders(line, filled)));
      const placeholders = blockPlaceholders(commands, inputs);
      if (placeholders.length > 0) {
        results.push({ page, block, status: 'placeholder', placeholders });
        continue;
      }
      const shell = await terminal(block.meta.terminal ?? 'main', block.meta.host);
      const verdict = await runBlock(shell, commands, block.meta, inputs);
      const tail = tailOf(verdict.output || shell.output);
      const ran = { page, block, command: verdict.command, code: verdict.code, tail };
      const fills = block.meta.fills;
      const value = verdict.ok && fills ? filledValue(fills, verdict.output) : undefined;
      if (fills && value) filled.set(fills.placeholder, value);
      if (verdict.ok && fills && !value) {
        const problem = `its output has nothing for ${fills.placeholder} (fills='${fills.pattern}')`;
        results.push({ ...ran, status: 'failed', problem });
      } else if (!verdict.ok && !verdict.atPrompt) {
        // Stopped with Ctrl-C and still no prompt: the next block would type into whatever holds the shell.
        const problem = `${problemOf(verdict)}; the shell did not come back to its prompt, so the rest of the page is not run`;
        results.push({ ...ran, status: 'failed', problem });
        break;
      } else if (verdict.ok) results.push({ ...ran, status: 'passed' });
      else results.push({ ...ran, status: 'failed', problem: problemOf(verdict) });
    }
    // Every image the page names must be one its readers can have: pulling it again waits for the
    // background pull, or says why there is none.
    const shell = terminals.get('main');
    if (settings.images.length > 0 && shell && results.every((r) => r.status !== 'failed')) {
      const command = `docker pull --quiet ${settings.images.join(' && docker pull --quiet ')}`;
      const verdict = await runBlock(shell, [command], { timeout: 300 });
      if (!verdict.ok) {
        const problem = `an image the page names under images: cannot be pulled: ${problemOf(verdict)}`;
        results.push(pageFailure(page, command, verdict, problem, shell));
      }
    }
  } finally {
    for (const open of terminals.values()) open.ws.terminate();
    await endSession(url, session.cookie);
  }
  return { page, results, seconds: (performance.now() - started) / 1000 };
}

/** A failure of the page's own (its setup, its images), not of one of its blocks. */
function pageFailure(
  page: string,
  command: string,
  verdict: BlockVerdict & { outcome: 'ran' },
  problem: string,
  shell: TerminalClient,
): BlockResult {
  return {
    page,
    block: undefined,
    status: 'failed',
    command,
    code: verdict.code,
    problem,
    tail: tailOf(verdict.output || shell.output),
  };
}

async function askPulls(url: string, cookie: string, images: string[]): Promise<void> {
  const response = await fetch(`${url}/api/session/pulls`, {
    method: 'POST',
    headers: { cookie, origin: url, 'content-type': 'application/json' },
    body: JSON.stringify({ images }),
  });
  if (response.status !== 202)
    throw new Error(`POST /api/session/pulls: ${response.status} ${await response.text()}`);
}

/** Runs every page of some content folders against a Berth server, a few pages at a time. */
export async function runGuide(
  url: string,
  contentDirs: string | string[],
  onPage?: (report: PageReport) => void,
): Promise<PageReport[]> {
  const queue = (await Promise.all([contentDirs].flat().map(pagesIn))).flat();
  const reports: PageReport[] = [];
  const worker = async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      let report: PageReport;
      try {
        report = await runPage(url, file);
      } catch (error) {
        const page = path.basename(file);
        report = {
          page,
          seconds: 0,
          results: [
            {
              page,
              block: undefined,
              status: 'failed',
              command: '(page)',
              code: undefined,
              problem: (error as Error).message,
              tail: '',
            },
          ],
        };
      }
      reports.push(report);
      onPage?.(report);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_PAGES }, worker));
  return reports;
}

/** One line per block that did not simply pass, and a line per page. */
export function formatPage(report: PageReport): string {
  const lines: string[] = [];
  const failed = report.results.filter((r) => r.status === 'failed').length;
  const passed = report.results.filter((r) => r.status === 'passed').length;
  const skipped = report.results.filter((r) => r.status === 'skipped').length;
  const placeholders = report.results.filter((r) => r.status === 'placeholder').length;
  lines.push(
    `${failed ? '✗' : '✓'} ${report.page}: ${passed} passed, ${failed} failed, ${skipped} not runnable, ${placeholders} with placeholders (${report.seconds.toFixed(1)} s)`,
  );
  for (const r of report.results) {
    const where = r.block
      ? `${r.page}:${r.block.line}${r.block.heading ? ` (${r.block.heading})` : ''}`
      : r.page;
    if (r.status === 'skipped') lines.push(`  - ${where} not runnable: ${r.reason}`);
    else if (r.status === 'placeholder')
      lines.push(`  ? ${where} placeholder: ${r.placeholders.join(', ')} for the reader to fill; not sent`);
    else if (r.status === 'failed') {
      lines.push(`  ✗ ${where} \`${r.command}\`: ${r.problem ?? 'failed'}`);
      if (r.tail) lines.push(...r.tail.split('\n').map((line) => `      | ${line}`));
    } else lines.push(`  ✓ ${where} \`${r.command.split('\n')[0]}\` exit ${r.code}`);
  }
  return lines.join('\n');
}
