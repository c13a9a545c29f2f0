import { afterAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server.ts';
import {
  createSession,
  eventually,
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

const gone = (id: string) => async () => {
  const left = await resourcesOf(id);
  return left.containers + left.networks + left.volumes === 0;
};

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
    });
  });

  it('sets the cookie HttpOnly and SameSite=Lax', async () => {
    const { url } = await server();
    const response = await fetch(`${url}/api/session`, { method: 'POST', headers: { origin: url } });
    const cookie = response.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^berth_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/);
  });

  it('sets it Secure when readers reach the site over https, though the proxy before it speaks http', async () => {
    const { url } = await server({ BERTH_PUBLIC_URL: 'https://docs.example.com' });
    const response = await fetch(`${url}/api/session`, {
      method: 'POST',
      headers: { origin: 'https://docs.example.com' },
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('set-cookie')).toMatch(/; Secure/);
    const foreign = await fetch(`${url}/api/session`, { method: 'POST', headers: { origin: url } });
    expect(foreign.status).toBe(403);
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

  it('a session with no terminal input is removed after the idle timeout', async () => {
    const { url } = await server({ BERTH_IDLE_TIMEOUT_SECONDS: '4' });
    const created = await createSession(url);
    expect(created.body.idleTimeoutSeconds).toBe(4);
    await sessionReady(url, created.cookie);
    expect(await resourcesOf(created.id)).toEqual({ containers: 1, networks: 1, volumes: 1 });
    await eventually(gone(created.id), 'the idle sandbox to be removed', 60_000);
    expect((await getSession(url, created.cookie)).status).toBe(404);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/berth_sandboxes_reaped_total\{reason="idle"\} 1/);
  });

  it('a session is removed when its lifetime ends', async () => {
    const { url } = await server({ BERTH_LIFETIME_SECONDS: '6' });
    const created = await createSession(url);
    expect(Date.parse(String(created.body.expiresAt)) - Date.now()).toBeLessThanOrEqual(6000);
    await sessionReady(url, created.cookie);
    expect(await resourcesOf(created.id)).toEqual({ containers: 1, networks: 1, volumes: 1 });
    await eventually(gone(created.id), 'the expired sandbox to be removed', 60_000);
    expect((await getSession(url, created.cookie)).status).toBe(404);
  });

  it('refuses more sessions than one client may hold with 429 and Retry-After', async () => {
    const { url } = await server({ BERTH_SESSIONS_PER_CLIENT: '1' });
    expect((await createSession(url)).status).toBe(201);
    const response = await fetch(`${url}/api/session`, { method: 'POST', headers: { origin: url } });
    expect(response.status).toBe(429);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await response.json()).toMatchObject({ error: { code: 'too_many_sessions' } });
  });

  it('refuses more creations a minute than one client may make with 429 and Retry-After, even after DELETE', async () => {
    const { url } = await server({ BERTH_SESSIONS_PER_MINUTE: '2', BERTH_SESSIONS_PER_CLIENT: '5' });
    for (let i = 0; i < 2; i++) {
      const created = await createSession(url);
      expect(created.status).toBe(201);
      const deleted = await fetch(`${url}/api/session`, {
        method: 'DELETE',
        headers: { cookie: created.cookie, origin: url },
      });
      expect(deleted.status).toBe(204);
    }
    const response = await fetch(`${url}/api/session`, { method: 'POST', headers: { origin: url } });
    expect(response.status).toBe(429);
    const retryAfter = Number(response.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await response.json()).toMatchObject({ error: { code: 'creating_too_fast' } });
  });

  it('counts readers behind a trusted proxy by X-Forwarded-For, and ignores the header from anyone else', async () => {
    const limits = { BERTH_SESSIONS_PER_CLIENT: '1' };
    const behindProxy = await server({ ...limits, BERTH_TRUSTED_PROXIES: '127.0.0.1, ::1' });
    const via = (address: string) => createSession(behindProxy.url, { 'x-forwarded-for': address });
    expect((await via('198.51.100.1')).status).toBe(201);
    expect((await via('198.51.100.2')).status).toBe(201); // another reader, not the proxy's second
    expect((await via('6.6.6.6, 198.51.100.1')).status).toBe(429); // a forged first hop changes nothing

    const direct = await server(limits);
    expect((await createSession(direct.url, { 'x-forwarded-for': '198.51.100.1' })).status).toBe(201);
    expect((await createSession(direct.url, { 'x-forwarded-for': '198.51.100.2' })).status).toBe(429);
  });

  it('refuses sessions past the server capacity with 503 and Retry-After', async () => {
    const { url } = await server({ BERTH_MAX_SANDBOXES: '1' });
    expect((await createSession(url)).status).toBe(201);
    const response = await fetch(`${url}/api/session`, { method: 'POST', headers: { origin: url } });
    expect(response.status).toBe(503);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await response.json()).toMatchObject({ error: { code: 'at_capacity' } });
  });
});
