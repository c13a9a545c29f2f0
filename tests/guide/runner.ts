import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { createSession, endSession } from '../../sandbox-server/src/testing/server.ts';
import { TerminalClient } from '../../sandbox-server/src/testing/terminal-client.ts';
import {
  ENDING_KEYS,
  lastCodeExpected,
  normalizeOutput,
  stripTerminalCodes,
} from '../../src/blocks/block-meta.ts';
import { consoleBlocksOf, type PageBlock, pageSetupOf } from '../../src/blocks/page-blocks.ts';

export type BlockResult =
  | { page: string; block: PageBlock; status: 'skipped'; reason: string }
  | {
      page: string;
      block: PageBlock | undefined;
      status: 'passed' | 'failed';
      command: string;
      code: number;
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
  const found: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (/^[^_].*\.mdx?$/.test(entry.name)) found.push(full);
    }
  };
  await walk(contentDir);
  return found.sort();
}

/** Runs one command as a reader would, ending it the way the block says when it does not end itself. */
async function runCommand(terminal: TerminalClient, command: string, block: PageBlock, last: boolean) {
  const timeoutMs = (block.meta.timeout ?? DEFAULT_TIMEOUT_S) * 1000;
  const tag = terminal.begin(command);
  const ending = last ? block.meta.ending : undefined;
  if (ending) {
    const until = block.meta.until === undefined ? undefined : new RegExp(block.meta.until, 'm');
    if (until)
      await terminal.waitFor(
        () => until.test(terminal.outputOf(tag) ?? ''),
        `/${block.meta.until}/`,
        timeoutMs,
      );
    else
      await terminal.waitFor(() => terminal.outputOf(tag) !== undefined, 'the command to start', timeoutMs);
    if (block.meta.after) await new Promise((resolve) => setTimeout(resolve, (block.meta.after ?? 0) * 1000));
    terminal.type(ENDING_KEYS[ending]);
  }
  return terminal.end(tag, timeoutMs);
}

function expectedCode(block: PageBlock, last: boolean, code: number): boolean {
  return last ? lastCodeExpected(block.meta, code) : code === 0;
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
  const terminal = async (name: string) => {
    let open = terminals.get(name);
    if (!open) {
      open = await TerminalClient.open(url, name, { cookie: session.cookie });
      terminals.set(name, open);
      await open.ready(120_000);
    }
    return open;
  };
  try {
    const main = await terminal('main');
    for (const command of pageSetupOf(source)) {
      const { code, output } = await main.run(command, DEFAULT_TIMEOUT_S * 1000);
      if (code !== 0) {
        results.push({
          page,
          block: undefined,
          status: 'failed',
          command,
          code,
          problem: 'page setup failed',
          tail: tailOf(output),
        });
        return { page, results, seconds: (performance.now() - started) / 1000 };
      }
    }
    for (const block of consoleBlocksOf(source)) {
      if (block.meta.norun !== undefined) {
        results.push({ page, block, status: 'skipped', reason: block.meta.norun });
        continue;
      }
      const shell = await terminal(block.meta.terminal ?? 'main');
      let output = '';
      let result: BlockResult | undefined;
      for (const [index, command] of block.commands.entries()) {
        const last = index === block.commands.length - 1;
        let ran: { code: number; output: string };
        try {
          ran = await runCommand(shell, command, block, last);
        } catch (error) {
          result = {
            page,
            block,
            status: 'failed',
            command,
            code: -1,
            problem: (error as Error).message.split(';')[0],
            tail: tailOf(shell.output),
          };
          break;
        }
        output += ran.output;
        if (!expectedCode(block, last, ran.code)) {
          const wanted = last ? (block.meta.exit ?? 0) : 0;
          result = {
            page,
            block,
            status: 'failed',
            command,
            code: ran.code,
            problem: `exited ${ran.code}, expected ${wanted}`,
            tail: tailOf(ran.output),
          };
          break;
        }
        result = { page, block, status: 'passed', command, code: ran.code, tail: tailOf(ran.output) };
      }
      if (result?.status === 'passed' && block.meta.expect !== undefined) {
        if (!normalizeOutput(output).includes(normalizeOutput(block.meta.expect))) {
          result = {
            ...result,
            status: 'failed',
            problem: `output lacks "${block.meta.expect}"`,
            tail: tailOf(output),
          };
        }
      }
      if (result) results.push(result);
      if (result?.status === 'failed' && result.code === -1) break; // the shell is stuck: the rest would only time out
    }
  } finally {
    for (const open of terminals.values()) open.ws.terminate();
    await endSession(url, session.cookie);
  }
  return { page, results, seconds: (performance.now() - started) / 1000 };
}

/** Runs every page of a content folder against a Berth server, a few pages at a time. */
export async function runGuide(
  url: string,
  contentDir: string,
  onPage?: (report: PageReport) => void,
): Promise<PageReport[]> {
  const queue = await pagesIn(contentDir);
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
              code: -1,
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
  lines.push(
    `${failed ? '✗' : '✓'} ${report.page}: ${passed} passed, ${failed} failed, ${skipped} not runnable (${report.seconds.toFixed(1)} s)`,
  );
  for (const r of report.results) {
    const where = r.block
      ? `${r.page}:${r.block.line}${r.block.heading ? ` (${r.block.heading})` : ''}`
      : r.page;
    if (r.status === 'skipped') lines.push(`  - ${where} not runnable: ${r.reason}`);
    else if (r.status === 'failed') {
      lines.push(`  ✗ ${where} \`${r.command}\`: ${r.problem ?? `exit ${r.code}`}`);
      if (r.tail) lines.push(...r.tail.split('\n').map((line) => `      | ${line}`));
    } else lines.push(`  ✓ ${where} \`${r.command.split('\n')[0]}\` exit ${r.code}`);
  }
  return lines.join('\n');
}
