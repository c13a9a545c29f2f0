import { describe, expect, it } from 'vitest';
import { FakeDriver } from '../testing/fake-driver.ts';
import { fakeServer, SITE, settle } from '../testing/fake-server.ts';

describe('sessions over the fake driver', () => {
  it('a session starts as starting, becomes ready, and a second POST returns it without a new cookie', async () => {
    const server = await fakeServer({}, FakeDriver.slow(20));
    const created = await server.createSession();
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ state: 'starting', idleTimeoutSeconds: 900 });
    await settle(40);
    const again = await server.request('POST', '/api/session', { cookie: created.cookie });
    expect(again.status).toBe(200);
    expect(again.headers.get('set-cookie')).toBeNull();
    expect(await again.json()).toEqual({
      ...created.body,
      state: 'ready',
      hosts: [{ name: 'node1', state: 'ready' }],
    });
    expect(server.driver.log).toEqual(['preflight', `start ${created.id.slice(0, 8)}`]);
  });

  it('sets the cookie HttpOnly, SameSite=Lax, on the base path, and Secure only behind https', async () => {
    const plain = await fakeServer();
    const cookie = (await plain.createSession()).response.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^berth_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/);

    const https = await fakeServer({ BERTH_PUBLIC_URL: 'https://docs.example.com' });
    const secure = await https.createSession({ origin: 'https://docs.example.com' });
    expect(secure.status).toBe(201);
    expect(secure.response.headers.get('set-cookie')).toMatch(/; Secure/);
    expect((await https.createSession({ origin: SITE })).status).toBe(403);
  });

  it('refuses a POST without an Origin, or with a foreign one, and one with options', async () => {
    const server = await fakeServer();
    expect((await server.createSession({ origin: null })).body).toMatchObject({
      error: { code: 'forbidden_origin' },
    });
    expect((await server.createSession({ origin: 'https://evil.example' })).status).toBe(403);
    expect((await server.createSession({ body: '{"image":"x"}' })).body).toMatchObject({
      error: { code: 'invalid_request' },
    });
    expect(server.driver.count).toBe(0);
  });

  it('DELETE ends a session even while it is starting, and its sandbox is stopped', async () => {
    const server = await fakeServer({}, FakeDriver.neverReady());
    const created = await server.createSession();
    expect(server.driver.count).toBe(1);
    const deleted = await server.request('DELETE', '/api/session', { cookie: created.cookie });
    expect(deleted.status).toBe(204);
    expect(server.driver.count).toBe(0);
    const after = await server.request('GET', '/api/session', { cookie: created.cookie });
    expect(after.status).toBe(404);
    expect(await after.json()).toMatchObject({ error: { code: 'no_session' } });
  });

  it('measures the CPU a sandbox used when it is removed, but not one that never ran', async () => {
    const server = await fakeServer({}, FakeDriver.neverReady());
    const queued = await server.createSession();
    await server.request('DELETE', '/api/session', { cookie: queued.cookie });
    server.driver.behaviour = { kind: 'ready' };
    const ran = await server.createSession();
    await server.request('DELETE', '/api/session', { cookie: ran.cookie });
    const text = await server.metrics.registry.metrics();
    expect(text).toMatch(/berth_sandbox_cpu_seconds_count 1\n/);
    expect(text).toMatch(/berth_sandbox_cpu_seconds_sum 1.5\n/);
  });

  it('a start that fails ends the session as failed, and frees its place', async () => {
    const server = await fakeServer({ BERTH_MAX_SANDBOXES: '1' }, FakeDriver.failing(5));
    const created = await server.createSession();
    expect(created.status).toBe(201);
    await settle(20);
    expect((await server.request('GET', '/api/session', { cookie: created.cookie })).status).toBe(404);
    expect(server.driver.count).toBe(0);
    server.driver.behaviour = { kind: 'ready' };
    expect((await server.createSession()).status).toBe(201);
  });

  it('with the engine down, says 503 engine_unavailable with Retry-After and holds no place', async () => {
    const server = await fakeServer({ BERTH_MAX_SANDBOXES: '1' });
    server.driver.engineUp = false;
    const refused = await server.createSession();
    expect(refused.status).toBe(503);
    expect(refused.response.headers.get('retry-after')).toBe('30');
    expect(refused.body).toMatchObject({ error: { code: 'engine_unavailable' } });
    expect((await server.request('GET', '/healthz')).status).toBe(503);
    server.driver.engineUp = true;
    expect((await server.createSession()).status).toBe(201);
  });

  it('refuses more sessions than one client may hold with 429 and Retry-After', async () => {
    const server = await fakeServer({ BERTH_SESSIONS_PER_CLIENT: '1' });
    expect((await server.createSession()).status).toBe(201);
    const refused = await server.createSession();
    expect(refused.status).toBe(429);
    expect(Number(refused.response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.body).toMatchObject({ error: { code: 'too_many_sessions' } });
    expect((await server.createSession({ from: '203.0.113.2' })).status).toBe(201);
  });

  it('refuses more creations a minute than one client may make, even after DELETE', async () => {
    const server = await fakeServer({ BERTH_SESSIONS_PER_MINUTE: '2', BERTH_SESSIONS_PER_CLIENT: '5' });
    for (let i = 0; i < 2; i++) {
      const created = await server.createSession();
      expect(created.status).toBe(201);
      expect((await server.request('DELETE', '/api/session', { cookie: created.cookie })).status).toBe(204);
    }
    const refused = await server.createSession();
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.response.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.body).toMatchObject({ error: { code: 'creating_too_fast' } });
  });

  it('counts readers behind a trusted proxy by X-Forwarded-For, and ignores the header from anyone else', async () => {
    const limits = { BERTH_SESSIONS_PER_CLIENT: '1' };
    const proxied = await fakeServer({ ...limits, BERTH_TRUSTED_PROXIES: '127.0.0.1' });
    const via = (address: string) =>
      proxied.createSession({ from: '127.0.0.1', headers: { 'x-forwarded-for': address } });
    expect((await via('198.51.100.1')).status).toBe(201);
    expect((await via('198.51.100.2')).status).toBe(201); // another reader, not the proxy's second
    expect((await via('6.6.6.6, 198.51.100.1')).status).toBe(429); // a forged first hop changes nothing

    const direct = await fakeServer(limits);
    const forged = (address: string) => direct.createSession({ headers: { 'x-forwarded-for': address } });
    expect((await forged('198.51.100.1')).status).toBe(201);
    expect((await forged('198.51.100.2')).status).toBe(429);
  });

  it('refuses sessions past the server capacity with 503 and Retry-After, counting starting ones', async () => {
    const server = await fakeServer({ BERTH_MAX_SANDBOXES: '2' }, FakeDriver.neverReady());
    const answers = await Promise.all([1, 2, 3].map((i) => server.createSession({ from: `203.0.113.${i}` })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 201, 503]);
    const refused = answers.find((a) => a.status === 503);
    expect(Number(refused?.response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused?.body).toMatchObject({ error: { code: 'at_capacity' } });
    expect(server.driver.count).toBe(2);
  });

  it('views and pulls answer sandbox_starting before the sandbox is ready, no_session without one', async () => {
    const server = await fakeServer({}, FakeDriver.neverReady());
    const created = await server.createSession();
    const starting = await server.request('GET', '/api/session/containers', { cookie: created.cookie });
    expect(starting.status).toBe(409);
    expect(await starting.json()).toMatchObject({ error: { code: 'sandbox_starting' } });
    const none = await server.request('GET', '/api/session/images');
    expect(await none.json()).toMatchObject({ error: { code: 'no_session' } });
    const badBody = await server.request('POST', '/api/session/pulls', { body: '{', cookie: created.cookie });
    expect(await badBody.json()).toMatchObject({ error: { code: 'invalid_json' } });
  });

  it('a sandbox that stops answering gives 503 sandbox_unavailable to the views', async () => {
    const server = await fakeServer();
    const created = await server.createSession();
    server.driver.execAnswer = () => '[]';
    server.driver.die(created.id);
    const answer = await server.request('GET', '/api/session/containers', { cookie: created.cookie });
    expect(answer.status).toBe(503);
    expect(await answer.json()).toMatchObject({ error: { code: 'sandbox_unavailable' } });
  });
});
