import { describe, expect, it } from 'vitest';
import { fakeServer, settle } from '../testing/fake-server.ts';

const TOKEN = 'a-token-for-the-tests-0123456789';
const as = (token: string) => ({ headers: { authorization: `Bearer ${token}` }, origin: null });

describe('the admin API', () => {
  it('is not served without BERTH_ADMIN_TOKEN', async () => {
    const server = await fakeServer();
    const answer = await server.request('GET', '/api/admin/pool', as(TOKEN));
    expect(answer.status).toBe(404);
    expect(await answer.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('refuses a request without the token, or with another, with 401 and the API’s error body', async () => {
    const server = await fakeServer({ BERTH_ADMIN_TOKEN: TOKEN });
    for (const options of [{ origin: null }, as('not-the-token'), as(`${TOKEN}x`)]) {
      const answer = await server.request('GET', '/api/admin/pool', options);
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toBe('Bearer');
      expect(await answer.json()).toMatchObject({
        error: { code: 'unauthorized', message: expect.stringMatching(/Bearer/) },
      });
    }
    const put = await server.request('PUT', '/api/admin/pool', { ...as('wrong'), body: '{"size":4}' });
    expect(put.status).toBe(401);
  });

  it('answers the pool’s state, and takes a room asked for in advance', async () => {
    // No schedule: whatever it said would apply at some hour the tests run in.
    const server = await fakeServer({ BERTH_ADMIN_TOKEN: TOKEN, BERTH_POOL_SIZE: '1' });
    const before = await server.request('GET', '/api/admin/pool', as(TOKEN));
    expect(before.status).toBe(200);
    expect(await before.json()).toMatchObject({
      baseSize: 1,
      target: 1,
      why: 'base',
      limit: null,
      schedule: [],
      request: null,
      startsAtOnce: 3,
    });
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const put = await server.request('PUT', '/api/admin/pool', {
      ...as(TOKEN),
      body: JSON.stringify({ size: 4, until }),
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ target: 4, why: 'request', request: { size: 4, until } });
    await settle();
    expect(server.driver.count).toBe(4);
    const withdrawn = await server.request('PUT', '/api/admin/pool', { ...as(TOKEN), body: '{"size":0}' });
    expect(await withdrawn.json()).toMatchObject({ request: null });
    expect((await server.request('DELETE', '/api/admin/pool', as(TOKEN))).status).toBe(405);
    await server.sessions.closePool();
  });

  it('refuses a bad body with 400, saying what is wrong', async () => {
    const server = await fakeServer({ BERTH_ADMIN_TOKEN: TOKEN });
    const put = async (body: string) => {
      const answer = await server.request('PUT', '/api/admin/pool', { ...as(TOKEN), body });
      expect(answer.status).toBe(400);
      return ((await answer.json()) as { error: { code: string; message: string } }).error;
    };
    expect(await put('{')).toMatchObject({ code: 'invalid_json' });
    expect((await put('[40]')).message).toMatch(/must be an object/);
    expect((await put('{"size":40,"room":"a"}')).message).toMatch(/Unknown fields: room/);
    expect((await put('{}')).message).toMatch(/size must be a whole number of sandboxes from 0 to 256/);
    expect((await put('{"size":2.5}')).code).toBe('invalid_request');
    expect((await put('{"size":1000}')).code).toBe('invalid_request');
    expect((await put('{"size":4,"readyBy":"09:00"}')).message).toMatch(/readyBy must be an ISO 8601 time/);
    expect((await put('{"size":4,"until":"2026-12-01T09:00:00"}')).message).toMatch(/with its zone/);
    expect((await put('{"size":4,"until":"2000-01-01T09:00:00Z"}')).message).toMatch(/until is already past/);
    const later = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();
    const backwards = JSON.stringify({ size: 4, readyBy: later(2), until: later(1) });
    expect((await put(backwards)).message).toMatch(/until must come after readyBy/);
    expect(server.driver.count).toBe(0);
  });
});
