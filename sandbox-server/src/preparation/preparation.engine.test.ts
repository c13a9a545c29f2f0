import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createSession,
  endSession,
  eventually,
  removeInstance,
  type ServerProcess,
  sessionReady,
  spawnServer,
  startTestServer,
  uniqueInstance,
} from '../testing/server.ts';
import { TerminalClient } from '../testing/terminal-client.ts';

const instances: string[] = [];
const processes: ServerProcess[] = [];
afterAll(async () => {
  for (const p of processes) p.child.kill('SIGKILL');
  for (const instance of instances) await removeInstance(instance);
});

describe('a server started with --prepare', () => {
  it('serves the site and says `preparing` with its step until its work is done, then starts sandboxes', async () => {
    const site = mkdtempSync(join(tmpdir(), 'berth-site-'));
    writeFileSync(join(site, 'index.html'), '<!doctype html><title>Berth</title><p>the site</p>');
    let release!: () => void;
    const building = new Promise<void>((resolve) => {
      release = resolve;
    });
    const server = await startTestServer({ BERTH_SITE_DIR: site }, undefined, {
      prepare: { labels: ['a slow build'], run: (step) => step('a slow build', () => building) },
    });
    instances.push(server.instance);
    try {
      const page = await fetch(`${server.url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('the site');
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

      const probe = await fetch(`${server.url}/readyz`);
      expect(probe.status).toBe(503);
      expect(await probe.json()).toMatchObject({
        status: 'not_ready',
        checks: { prepared: 'failing' },
        preparation: { state: 'preparing', step: 1, of: 2, doing: ['a slow build'] },
      });
      const refused = await createSession(server.url);
      expect(refused.status).toBe(503);
      expect(refused.retryAfter).toBe('5');
      expect(refused.body).toEqual({
        error: {
          code: 'preparing',
          message: expect.stringMatching(/^Sandboxes are being prepared: step 1 of 2 \(a slow build\)\./),
        },
      });
      await expect(TerminalClient.open(server.url, 'main', { cookie: refused.cookie })).rejects.toMatchObject(
        {
          status: 503,
        },
      );

      release();
      await eventually(async () => (await fetch(`${server.url}/readyz`)).ok, 'the server to be ready');
      const made = await createSession(server.url);
      expect(made.status).toBe(201);
      await sessionReady(server.url, made.cookie);
      await endSession(server.url, made.cookie);
    } finally {
      await server.shutdown();
    }
  });

  it('as its own process, builds or finds every image and the mirror behind the site', async () => {
    const instance = uniqueInstance();
    instances.push(instance);
    const server = await spawnServer({ BERTH_INSTANCE: instance }, ['--prepare']);
    processes.push(server);
    // Listening came first: the images are looked at after (current here, so in seconds).
    await eventually(async () => (await fetch(`${server.url}/readyz`)).ok, 'the server to be ready', 300_000);
    const output = server.output();
    expect(output.indexOf('"event":"listening"')).toBeLessThan(output.indexOf('"event":"prepared"'));
    for (const step of ['the sandbox image', 'the catalog images', 'the registry mirror', 'the sandboxes'])
      expect(output).toContain(`"step":"${step}"`);
    const made = await createSession(server.url);
    expect(made.status).toBe(201);
    await endSession(server.url, made.cookie);
  }, 360_000);
});
