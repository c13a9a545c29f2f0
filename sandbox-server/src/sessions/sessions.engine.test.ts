import { afterAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server.ts';
import {
  createSession,
  removeInstance,
  resourcesOf,
  sessionReady,
  startTestServer,
} from '../testing/server.ts';

const servers: (RunningServer & { instance: string })[] = [];
async function server(env: Record<string, string> = {}) {
  const started = await startTestServer(env);
  servers.push(started);
  return started;
}

afterAll(async () => {
  for (const s of servers) {
    await s.shutdown();
    await removeInstance(s.instance);
  }
});

async function getSession(url: string, cookie: string) {
  const response = await fetch(`${url}/api/session`, { headers: { cookie } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

// The logic of sessions, limits and the reaper is tested over the fake driver (sessions.test.ts,
// reaper.test.ts); these check what only the engine can show.
describe('sessions', () => {
  it('a new session gets a cookie, a labelled sandbox with its own network and volume, and becomes ready', async () => {
    const { url } = await server();
    const before = Date.now();
    const created = await createSession(url);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ state: 'starting', idleTimeoutSeconds: 900 });
    const expiresAt = Date.parse(String(created.body.expiresAt));
    expect(expiresAt).toBeGreaterThanOrEqual(before + 3600_000 - 1000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 3600_000 + 1000);

    await sessionReady(url, created.cookie);
    expect(await resourcesOf(created.id)).toEqual({ containers: 1, networks: 1, volumes: 1 });

    const again = await fetch(`${url}/api/session`, {
      method: 'POST',
      headers: { cookie: created.cookie, origin: url },
    });
    expect(again.status).toBe(200);
    expect(again.headers.get('set-cookie')).toBeNull();
    expect(await again.json()).toEqual({
      state: 'ready',
      expiresAt: created.body.expiresAt,
      idleTimeoutSeconds: 900,
      hosts: [{ name: 'node1', state: 'ready' }],
      maxHosts: 5,
    });
  });

  it('DELETE removes the sandbox, its network and its volume, even while it is starting', async () => {
    const { url } = await server();
    const ready = await createSession(url);
    await sessionReady(url, ready.cookie);
    // 204 comes only once the interrupted start has stopped creating things and all is removed.
    const starting = await createSession(url);
    for (const created of [ready, starting]) {
      const response = await fetch(`${url}/api/session`, {
        method: 'DELETE',
        headers: { cookie: created.cookie, origin: url },
      });
      expect(response.status).toBe(204);
      expect(await resourcesOf(created.id)).toEqual({ containers: 0, networks: 0, volumes: 0 });
      expect(await getSession(url, created.cookie)).toMatchObject({
        status: 404,
        body: { error: { code: 'no_session' } },
      });
    }
  });
});
