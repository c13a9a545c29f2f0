import { afterAll, describe, expect, it } from 'vitest';
import type { JoinedView, NewShareView } from './contract/sharing.ts';
import {
  createSession,
  eventually,
  hostsReady,
  removeInstance,
  resourcesOf,
  type ServerProcess,
  sessionReady,
  spawnServer,
  startTestServer,
  uniqueInstance,
} from './testing/server.ts';
import { TerminalClient } from './testing/terminal-client.ts';

const instances = new Set<string>();
const processes: ServerProcess[] = [];

async function spawn(env: Record<string, string>) {
  instances.add(env.BERTH_INSTANCE ?? '');
  const server = await spawnServer(env);
  processes.push(server);
  return server;
}

async function kill9(server: ServerProcess) {
  server.child.kill('SIGKILL');
  await server.exited;
}

afterAll(async () => {
  for (const p of processes) p.child.kill('SIGKILL');
  for (const instance of instances) if (instance) await removeInstance(instance);
});

/** A watch link the owner makes and a guest joins: its address, token and the guest's cookie. */
async function joinedLink(url: string, owner: string) {
  const made = await fetch(`${url}/api/session/shares`, {
    method: 'POST',
    headers: { origin: url, cookie: owner },
    body: JSON.stringify({ kind: 'watch' }),
  });
  const { token } = (await made.json()) as NewShareView;
  const joined = await fetch(`${url}/api/shared`, {
    method: 'POST',
    headers: { origin: url },
    body: JSON.stringify({ token }),
  });
  const { address } = (await joined.json()) as JoinedView;
  const set = joined.headers.getSetCookie().find((c) => c.includes('Path=/api/shared/')) ?? '';
  return { address, token, cookie: /^[^;]+/.exec(set)?.[0] ?? '' };
}

describe('the server process', () => {
  it('after kill -9 and a restart, re-adopts live sandboxes and removes expired ones', async () => {
    const instance = uniqueInstance();
    // A sandbox that will expire while no server is running...
    const first = await spawn({ BERTH_INSTANCE: instance, BERTH_LIFETIME_SECONDS: '8' });
    const doomed = await createSession(first.url);
    expect(doomed.status).toBe(201);
    await sessionReady(first.url, doomed.cookie);
    await kill9(first);

    // ...and one that lives on, with a shell holding state.
    const second = await spawn({ BERTH_INSTANCE: instance });
    const live = await createSession(second.url);
    const before = await TerminalClient.open(second.url, 'main', { cookie: live.cookie });
    await before.ready();
    await before.run('export SURVIVES_RESTART=yes');
    // A host the reader added comes back too, its shell as it was.
    await hostsReady(second.url, live.cookie, 2);
    const beforeOnNode2 = await TerminalClient.open(second.url, 'main', { cookie: live.cookie, on: 'node2' });
    await beforeOnNode2.ready();
    await beforeOnNode2.run('export ON_NODE2=yes');
    // A share link a guest joined lives on with it; one revoked stays revoked.
    const kept = await joinedLink(second.url, live.cookie);
    const revoked = await joinedLink(second.url, live.cookie);
    const revoking = await fetch(`${second.url}/api/session/shares/${revoked.address}`, {
      method: 'DELETE',
      headers: { origin: second.url, cookie: live.cookie },
    });
    expect(revoking.status).toBe(204);
    await kill9(second);

    await eventually(
      async () => Date.now() > Date.parse(String(doomed.body.expiresAt)),
      'the first to expire',
    );
    expect((await resourcesOf(doomed.id)).containers).toBe(1); // nothing removed it while no server ran

    const third = await spawn({ BERTH_INSTANCE: instance });
    expect(await resourcesOf(doomed.id)).toEqual({ containers: 0, networks: 0, volumes: 0 });
    const adopted = await fetch(`${third.url}/api/session`, { headers: { cookie: live.cookie } });
    expect(adopted.status).toBe(200);
    expect(await adopted.json()).toMatchObject({ expiresAt: live.body.expiresAt });
    expect((await fetch(`${third.url}/api/session`, { headers: { cookie: doomed.cookie } })).status).toBe(
      404,
    );

    const after = await TerminalClient.open(third.url, 'main', { cookie: live.cookie });
    await after.ready();
    expect((await after.run('echo "$SURVIVES_RESTART"')).output).toContain('yes');
    const afterOnNode2 = await TerminalClient.open(third.url, 'main', { cookie: live.cookie, on: 'node2' });
    await afterOnNode2.ready();
    expect((await afterOnNode2.run('echo "$ON_NODE2 $(hostname)"')).output).toContain('yes node2');
    expect((await afterOnNode2.run('getent hosts node1')).output).toContain('100.64.1.2');
    const guest = await TerminalClient.open(third.url, 'main', { cookie: kept.cookie, share: kept.address });
    await guest.waitForMessage('size');
    const from = guest.output.length;
    await after.run('echo "shared-after-$SURVIVES_RESTART"');
    await guest.waitForText('shared-after-yes', 10_000, from);
    await expect(
      TerminalClient.open(third.url, 'main', { cookie: revoked.cookie, share: revoked.address }),
    ).rejects.toMatchObject({ status: 401 });
    const rejoined = await fetch(`${third.url}/api/shared`, {
      method: 'POST',
      headers: { origin: third.url },
      body: JSON.stringify({ token: revoked.token }),
    });
    expect(rejoined.status).toBe(404);
    guest.ws.terminate();
    after.ws.terminate();
    afterOnNode2.ws.terminate();
    await kill9(third);
  });

  it('on SIGTERM closes terminals with 1001 and leaves the sandbox for the next start', async () => {
    const instance = uniqueInstance();
    const server = await spawn({ BERTH_INSTANCE: instance, BERTH_METRICS_PORT: '0' });
    // Ready on the engine: the image is there and the firewall hooked in, as this server installed it.
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { image: 'ok', firewall: 'ok' } });
    // The metrics on a listener of their own, and no longer on the readers' port.
    const metricsUrl = /"metricsUrl":"([^"]+)"/.exec(server.output())?.[1];
    expect((await fetch(`${metricsUrl}/metrics`)).status).toBe(200);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
    const session = await createSession(server.url);
    const terminal = await TerminalClient.open(server.url, 'main', { cookie: session.cookie });
    await terminal.ready();
    server.child.kill('SIGTERM');
    expect((await terminal.closed).code).toBe(1001);
    expect(await server.exited).toBe(0);
    expect(await resourcesOf(session.id)).toEqual({ containers: 1, networks: 1, volumes: 1 });
  });

  it('with no Docker engine, says 503 for sandboxes and health but keeps serving', async () => {
    const server = await spawn({
      BERTH_INSTANCE: uniqueInstance(),
      DOCKER_HOST: 'unix:///nonexistent/docker.sock',
    });
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ error: { code: 'engine_unavailable' } });
    const created = await createSession(server.url);
    expect(created).toMatchObject({ status: 503, body: { error: { code: 'engine_unavailable' } } });
    expect((await fetch(`${server.url}/api/session`)).status).toBe(404);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(200);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({
      status: 'not_ready',
      failing: expect.arrayContaining(['image']),
    });
    server.child.kill('SIGTERM');
  });

  it('refuses to start on invalid settings, naming each', async () => {
    const failed = await spawnServer({
      BERTH_INSTANCE: uniqueInstance(),
      PORT: 'eighty',
      BERTH_SANDBOX_MEMORY: 'lots',
    })
      .then(() => '')
      .catch((error: Error) => error.message);
    expect(failed).toMatch(/exited with 2/);
    expect(failed).toMatch(/PORT/);
    expect(failed).toMatch(/BERTH_SANDBOX_MEMORY/);
  });
});

describe('bad requests', () => {
  it('each get the documented status and error code, and the server keeps serving', async () => {
    const server = await startTestServer({ BERTH_SANDBOX_IMAGE: 'berth/not-built:never' });
    instances.add(server.instance);
    const url = server.url;
    const call = async (path: string, init: RequestInit = {}) => {
      const response = await fetch(`${url}${path}`, init);
      const body = await response.text();
      return { status: response.status, body: body ? JSON.parse(body) : undefined };
    };
    const post = (body: string, headers: Record<string, string> = {}) =>
      call('/api/session', {
        method: 'POST',
        body,
        headers: { origin: url, 'content-type': 'application/json', ...headers },
      });

    expect(await call('/api/nothing')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(await post('{bad json')).toMatchObject({ status: 400, body: { error: { code: 'invalid_json' } } });
    expect(await post('{"image":"alpine"}')).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_request' } },
    });
    expect(await post('[]')).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    expect(await post('x'.repeat(20_000))).toMatchObject({
      status: 413,
      body: { error: { code: 'payload_too_large' } },
    });
    expect(await post('{}', { origin: 'http://evil.example' })).toMatchObject({
      status: 403,
      body: { error: { code: 'forbidden_origin' } },
    });
    expect(await call('/api/session', { method: 'PUT' })).toMatchObject({
      status: 405,
      body: { error: { code: 'method_not_allowed' } },
    });
    expect(await call('/api/session')).toMatchObject({
      status: 404,
      body: { error: { code: 'no_session' } },
    });
    const forged = { headers: { cookie: `berth_session=${'B'.repeat(43)}`, origin: url } };
    expect(await call('/api/session', forged)).toMatchObject({
      status: 404,
      body: { error: { code: 'no_session' } },
    });
    expect(await call('/api/session', { method: 'DELETE', ...forged })).toMatchObject({ status: 404 });
    expect(await post('{}')).toMatchObject({
      status: 503,
      body: { error: { code: 'sandbox_image_missing' } },
    });
    expect(await post('')).toMatchObject({ status: 503, body: { error: { code: 'sandbox_image_missing' } } });

    // Every refusal above left nothing behind and the server still answers.
    expect((await call('/healthz')).status).toBe(200);
    const site = await fetch(`${url}/`);
    expect([200, 404]).toContain(site.status);
    await server.shutdown();
  });
});
