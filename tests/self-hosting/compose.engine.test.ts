import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SETTING_NAMES } from '../../sandbox-server/src/config/index.ts';
import { TEST_CATALOG_DIRS } from '../../sandbox-server/src/testing/mirror.ts';
import {
  createSession,
  docker,
  eventually,
  removeInstance,
  sandboxContainer,
  sessionReady,
  uniqueInstance,
} from '../../sandbox-server/src/testing/server.ts';
import { TerminalClient } from '../../sandbox-server/src/testing/terminal-client.ts';
import { runGuide } from '../guide/runner.ts';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const PROJECT = `berth-selfhost-${randomBytes(3).toString('hex')}`;
const INSTANCE = uniqueInstance();
const PORT = 48_000 + Math.floor(Math.random() * 1000);
const URL_ = `http://127.0.0.1:${PORT}`;
/** What a test deployment changes from compose.yaml's defaults, so it shares the engine with others. */
const DEPLOYMENT = {
  BERTH_BASE_IMAGE: 'berth/debian:trixie', // offline: the base `npm run images` made
  PORT: String(PORT),
  BERTH_INSTANCE: INSTANCE,
  BERTH_SANDBOX_SUBNETS: '10.86.0.0/16',
  BERTH_POOL_SIZE: '0',
  BERTH_SESSIONS_PER_MINUTE: '1000',
  BERTH_SESSIONS_PER_CLIENT: '10',
  // A team's own pages in place of the guide, built into the image.
  BERTH_CONTENT: 'tests/self-hosting/team-pages',
  // The team images the tests' mirror serves (scripts/setup.sh): the deployment's `npm run mirror`
  // then finds the engine's one mirror current, instead of swapping it under the other tests.
  BERTH_CATALOG_DIRS: TEST_CATALOG_DIRS.join(','),
};
const TEAM_PAGES = `${REPO}/${DEPLOYMENT.BERTH_CONTENT}`;
/** This machine's own CA certificates: its egress to npm goes through a TLS-inspecting proxy. */
const LOCAL_CAS = '/usr/local/share/ca-certificates';
const caCertificates = () =>
  existsSync(LOCAL_CAS)
    ? readdirSync(LOCAL_CAS)
        .filter((name) => name.endsWith('.crt'))
        .map((name) => readFileSync(`${LOCAL_CAS}/${name}`, 'utf8'))
        .join('\n')
    : '';

/**
 * `docker compose` on this repository's compose.yaml, against this engine. Debian bookworm has no
 * Compose v2; the sandbox image, a Docker host of its own, has, so it runs in a container of that.
 */
function compose(args: string[]) {
  const deployment = { ...DEPLOYMENT, BERTH_CA_CERTIFICATES: caCertificates() };
  const env = Object.entries(deployment).flatMap(([name, value]) => ['-e', `${name}=${value}`]);
  return run(
    'docker',
    [
      ...['run', '--rm', '-v', '/var/run/docker.sock:/var/run/docker.sock', '-v', `${REPO}:${REPO}`],
      ...['-w', REPO, ...env, '--entrypoint', 'docker', 'berth/sandbox:latest'],
      ...['compose', '-p', PROJECT, ...args],
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
}

async function serverContainer(): Promise<string> {
  const [found] = await docker.listContainers({
    all: true,
    filters: JSON.stringify({ label: [`com.docker.compose.project=${PROJECT}`] }),
  });
  if (!found) throw new Error(`no container of compose project ${PROJECT}`);
  return found.Id;
}

const answersHealth = async () => (await fetch(`${URL_}/healthz`).catch(() => undefined))?.status === 200;

async function shellAnswers(cookie: string) {
  const terminal = await TerminalClient.open(URL_, 'main', { cookie });
  await terminal.ready();
  const result = await terminal.run('docker run --rm hello-world', 90_000);
  terminal.ws.close();
  return result;
}

beforeAll(async () => {
  await compose(['build']);
}, 900_000);

afterAll(async () => {
  await compose(['down', '--timeout', '20']).catch(() => {});
  await removeInstance(INSTANCE);
});

describe('Berth deployed with compose.yaml', () => {
  it('is a valid compose file that shows every setting the server reads', async () => {
    const { stdout } = await compose(['config']);
    const file = readFileSync(`${REPO}/compose.yaml`, 'utf8');
    // Chosen by the image, not by a deployment: where the site is inside it.
    for (const name of SETTING_NAMES.filter((setting) => setting !== 'BERTH_SITE_DIR')) {
      expect(file, name).toMatch(new RegExp(`^\\s+${name}: `, 'm'));
    }
    expect(stdout).toContain(`PORT: "${PORT}"`);
  });

  it('builds an image of the server and the site alone: under 250 MB, labelled, no build tools', async () => {
    const image = await docker.getImage('localhost/berth-server:latest').inspect();
    console.log(`localhost/berth-server: ${(image.Size / 1e6).toFixed(0)} MB`);
    expect(image.Size).toBeLessThan(250e6);
    expect(image.Config.Labels).toMatchObject({ 'org.opencontainers.image.title': 'Berth' });
    const { stdout } = await run('docker', [
      ...['run', '--rm', '--entrypoint', 'sh', 'localhost/berth-server:latest', '-c'],
      'ls node_modules; ls; echo tests: $(find . -path ./node_modules -prune -o -name "*.test.ts" -print | wc -l); test -f dist/index.html && test -d sandbox-server/src/images/sandbox && echo complete',
    ]);
    for (const buildOnly of [
      'astro',
      '@astrojs',
      'vite',
      'typescript',
      'shiki',
      'sharp',
      'pagefind',
      'vitest',
    ]) {
      expect(stdout.split('\n'), buildOnly).not.toContain(buildOnly);
    }
    // The team images' folders are there (BERTH_CATALOG_DIRS may name them); no test, bench or site source.
    expect(stdout).toContain('tests: 0');
    expect(stdout).not.toMatch(/^(bench|src)$/m);
    expect(stdout).toContain('complete');
  });

  it('serves the team’s pages, starts working sandboxes, and takes them back after a restart', async () => {
    await compose(['up', '-d']);
    await eventually(answersHealth, 'the containerised server to answer', 300_000);
    // Ready in the container as on a host: image, mirror and firewall; the engine's health check agrees.
    await eventually(
      async () => (await fetch(`${URL_}/readyz`)).status === 200,
      'the containerised server to be ready',
      300_000,
    );
    await eventually(
      async () =>
        (await docker.getContainer(await serverContainer()).inspect()).State.Health?.Status === 'healthy',
      'the engine to call the server healthy',
      120_000,
    );
    // It listened before it looked at the images (`--prepare`), and says it is done preparing.
    expect(await (await fetch(`${URL_}/readyz`)).json()).toMatchObject({
      checks: { prepared: 'ok' },
      preparation: { state: 'ready', step: 6, of: 6 },
    });
    const logs = (await compose(['logs', '--no-color', 'berth'])).stdout;
    expect(logs.indexOf('"event":"listening"')).toBeGreaterThan(-1);
    expect(logs.indexOf('"event":"listening"')).toBeLessThan(logs.indexOf('"event":"prepared"'));
    const page = await fetch(`${URL_}/first-container/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Your first container');

    const session = await createSession(URL_);
    expect(session.status).toBe(201);
    await sessionReady(URL_, session.cookie);
    expect(await shellAnswers(session.cookie)).toMatchObject({
      code: 0,
      output: expect.stringContaining('Hello from Docker'),
    });

    const sandbox = (await sandboxContainer(session.id)).id;
    await docker.getContainer(await serverContainer()).restart();
    await eventually(answersHealth, 'the restarted server to answer', 300_000);
    // It finds its images current, in seconds; until then the API says `preparing`.
    await eventually(
      async () => (await fetch(`${URL_}/readyz`)).status === 200,
      'the restarted server to be ready',
      120_000,
    );
    // The same session, on the same sandbox: taken back, not started again.
    await sessionReady(URL_, session.cookie);
    expect((await sandboxContainer(session.id)).id).toBe(sandbox);
    expect((await shellAnswers(session.cookie)).code).toBe(0);
  });

  it('runs every block of the team’s pages with the guide runner', async () => {
    const reports = await runGuide(URL_, TEAM_PAGES);
    const results = reports.flatMap((report) => report.results);
    expect(results.length).toBeGreaterThan(0);
    expect(results.filter((result) => result.status !== 'passed')).toEqual([]);
  });
});
