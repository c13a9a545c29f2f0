import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../sandbox-server/src/server.ts';
import { removeInstance, startTestServer } from '../../sandbox-server/src/testing/server.ts';
import { formatPage, runGuide } from './runner.ts';

const fence = '```';
const good = [
  '---',
  'title: Good',
  'setup:',
  '  - echo set-up > ~/from-setup',
  '---',
  '## Plain',
  '',
  `${fence}console expect="hello from the page"`,
  '$ echo "hello from the page"',
  'hello from the page',
  '$ cat ~/from-setup',
  'set-up',
  fence,
  '',
  '## Declared failure',
  '',
  `${fence}console exit=1`,
  '$ true',
  '$ false',
  fence,
  '',
  '## Ended by the reader',
  '',
  `${fence}console after=1 then="ctrl-c"`,
  '$ sleep 600',
  fence,
  '',
  `${fence}console until="ready>" then="eof"`,
  '$ echo "ready>"; cat',
  fence,
  '',
  `${fence}console norun="needs a second host"`,
  '$ docker swarm join',
  fence,
  '',
].join('\n');

const broken = [
  '---',
  'title: Broken',
  '---',
  `${fence}console`,
  '$ docker images',
  '$ docker rim old-image',
  fence,
  '',
].join('\n');

let server: RunningServer & { instance: string };
let dir: string;

/** Runs one page, written to a folder of its own, and gives its report. */
async function runOnePage(name: string, page: string) {
  const only = await mkdtemp(path.join(tmpdir(), 'berth-guide-'));
  try {
    await writeFile(path.join(only, name), page);
    const [report] = await runGuide(server.url, only);
    if (!report) throw new Error(`no report for ${name}`);
    return report;
  } finally {
    await rm(only, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  server = await startTestServer({ BERTH_SESSIONS_PER_CLIENT: '10' });
  dir = await mkdtemp(path.join(tmpdir(), 'berth-guide-'));
  await writeFile(path.join(dir, 'good.mdx'), good);
  await writeFile(path.join(dir, 'broken.mdx'), broken);
});

afterAll(async () => {
  await server?.shutdown();
  if (server) await removeInstance(server.instance);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the guide runner', () => {
  it('passes a page whose blocks do what they declare, and fails a broken one, naming its command', async () => {
    const reports = await runGuide(server.url, dir);
    const byPage = Object.fromEntries(reports.map((report) => [report.page, report]));
    const goodReport = byPage['good.mdx'];
    const brokenReport = byPage['broken.mdx'];
    if (!goodReport || !brokenReport) throw new Error(`pages missing: ${Object.keys(byPage).join(', ')}`);

    expect(
      goodReport.results.map((r) => r.status),
      formatPage(goodReport),
    ).toEqual(['passed', 'passed', 'passed', 'passed', 'skipped']);
    expect(goodReport.results[4]).toMatchObject({ reason: 'needs a second host' });

    expect(brokenReport.results).toHaveLength(1);
    expect(brokenReport.results[0]).toMatchObject({
      status: 'failed',
      command: 'docker rim old-image',
      code: 1,
    });
    const text = formatPage(brokenReport);
    expect(text).toContain('broken.mdx:4');
    expect(text).toContain('`docker rim old-image`: exit 1: expected exit 0');
  });

  it('judges truthfully what does not run as written, and goes on with the page', async () => {
    // Each failing block is followed by one that must pass in the same shell: the failure was
    // noticed at once, cancelled, and left nothing behind for the next block to trip on.
    const passing = (name: string) => [
      `${fence}console expect="after ${name}"`,
      `$ echo "after ${name}"`,
      fence,
      '',
    ];
    const page = [
      '---',
      'title: Truth',
      '---',
      `${fence}console`,
      '$ docker stop )',
      fence,
      '',
      ...passing('parse'),
      `${fence}console`,
      '$ docker stop <the-container-id>',
      fence,
      '',
      `${fence}console`,
      "$ echo 'never closed",
      fence,
      '',
      ...passing('quote'),
      `${fence}console until="/ # " then="exit" timeout=60`,
      '$ docker run -it no-such-image-here sh',
      fence,
      '',
      ...passing('missing'),
      `${fence}console after=1 then="ctrl-c"`,
      '$ sleep 0.2',
      fence,
      '',
      ...passing('ended'),
      `${fence}console`,
      '$ docker run -dit --name held busybox sh',
      fence,
      '',
      `${fence}console after=2 then="detach"`,
      '$ docker attach held',
      fence,
      '',
      `${fence}console after=2 then="detach"`,
      '$ docker run -it --name second busybox sh',
      fence,
      '',
      ...passing('detach'),
      `${fence}console timeout=3`,
      '$ sleep 600',
      fence,
      '',
      ...passing('timeout'),
    ].join('\n');
    const report = await runOnePage('truth.mdx', page);
    const text = formatPage(report);
    const outcomes = report.results.map((r) =>
      'command' in r ? `${r.status} ${r.command}` : `${r.status} ${r.block.commands[0]}`,
    );
    expect(outcomes, text).toEqual([
      'failed docker stop )',
      'passed echo "after parse"',
      'placeholder docker stop <the-container-id>',
      "failed echo 'never closed",
      'passed echo "after quote"',
      'failed docker run -it no-such-image-here sh',
      'passed echo "after missing"',
      'passed sleep 0.2',
      'passed echo "after ended"',
      'passed docker run -dit --name held busybox sh',
      'passed docker attach held',
      'passed docker run -it --name second busybox sh',
      'passed echo "after detach"',
      'failed sleep 600',
      'passed echo "after timeout"',
    ]);
    const problems = report.results.map((r) => (r.status === 'failed' ? r.problem : undefined));
    expect(problems[0]).toMatch(/could not run it: bash: syntax error/);
    expect(problems[3]).toMatch(/waiting for more input/);
    expect(problems[5]).toMatch(/^exit 125: ended before/);
    expect(problems[13]).toMatch(/no end after 3 s/);
    expect(text).toContain('placeholder: <the-container-id> for the reader to fill; not sent');
  });

  it('types the lines a block shows at a program’s prompt into that program, as tutorials write them', async () => {
    const page = [
      '---',
      'title: Inside',
      '---',
      '1. A shell in a container, the classroom way:',
      '',
      `    ${fence}console expect="inside-42"`,
      '    $ docker run -it --rm --name box busybox sh',
      '    / # echo inside-$((6*7))',
      '    inside-42',
      '    / # exit',
      `    ${fence}`,
      '',
      "2. Docker's docs write the container's root prompt as `# `:",
      '',
      `    ${fence}console`,
      '    $ docker run -dit --name held busybox sh',
      `    ${fence}`,
      '',
      `    ${fence}console until="attached-5" then="detach" expect="attached-5"`,
      '    $ docker attach held',
      '    # echo attached-$((2+3))',
      `    ${fence}`,
      '',
      'The verdict is the outer command’s:',
      '',
      `${fence}console exit=3`,
      '$ docker run -it --rm busybox sh',
      '/ # exit 3',
      fence,
      '',
    ].join('\n');
    const report = await runOnePage('inside.mdx', page);
    expect(
      report.results.map((r) => r.status),
      formatPage(report),
    ).toEqual(['passed', 'passed', 'passed', 'passed']);
    expect(report.results.map((r) => ('code' in r ? r.code : undefined))).toEqual([0, 0, 1, 3]);
  });

  it('fails a block whose output lacks what it declares', async () => {
    const page = [
      '---',
      'title: Expect',
      '---',
      `${fence}console expect="goodbye"`,
      '$ echo hello',
      fence,
      '',
    ].join('\n');
    const report = await runOnePage('expect.mdx', page);
    expect(report.results[0]).toMatchObject({
      status: 'failed',
      problem: 'exit 0: output lacks "goodbye"',
    });
  });
});
