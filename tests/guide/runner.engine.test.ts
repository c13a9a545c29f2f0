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
    expect(text).toContain('`docker rim old-image`: exited 1, expected 0');
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
    const only = await mkdtemp(path.join(tmpdir(), 'berth-guide-'));
    try {
      await writeFile(path.join(only, 'expect.mdx'), page);
      const [report] = await runGuide(server.url, only);
      expect(report?.results[0]).toMatchObject({ status: 'failed', problem: 'output lacks "goodbye"' });
    } finally {
      await rm(only, { recursive: true, force: true });
    }
  });
});
