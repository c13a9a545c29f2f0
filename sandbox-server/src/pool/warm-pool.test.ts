import { describe, expect, it } from 'vitest';
import { FakeDriver } from '../testing/fake-driver.ts';
import { fakeServer, settle } from '../testing/fake-server.ts';

const poolGauge = async (metrics: { registry: { metrics(): Promise<string> } }, state: string) =>
  Number(
    new RegExp(`berth_pool_sandboxes\\{state="${state}"\\} (\\d+)`).exec(
      await metrics.registry.metrics(),
    )?.[1],
  );

describe('the warm pool over the fake driver', () => {
  it('hands out a ready sandbox at once, records its owner, and refills', async () => {
    const server = await fakeServer({ BERTH_POOL_SIZE: '1' });
    await settle(5);
    expect(await poolGauge(server.metrics, 'ready')).toBe(1);
    const created = await server.createSession();
    expect(created.body).toMatchObject({ state: 'ready' });
    const id = created.id.slice(0, 8);
    expect(server.driver.log.slice(0, 2)).toEqual(['preflight', `start ${id} (unowned)`]);
    expect(server.driver.log).toContain(`own ${id}`);
    expect((await server.driver.list()).map((r) => r.sessionId)).toEqual([created.id]);
    await settle(5);
    expect(await poolGauge(server.metrics, 'ready')).toBe(1);
  });

  it('a sandbox taken while starting makes its session wait for it', async () => {
    const server = await fakeServer({ BERTH_POOL_SIZE: '1' }, FakeDriver.slow(30));
    const created = await server.createSession();
    expect(created.body).toMatchObject({ state: 'starting' });
    expect(server.driver.log.filter((line) => line.startsWith('start'))).toHaveLength(1);
    await settle(40);
    expect(
      await (await server.request('GET', '/api/session', { cookie: created.cookie })).json(),
    ).toMatchObject({
      state: 'ready',
    });
  });

  it('never holds more sandboxes than the server maximum, and refills once one ends', async () => {
    const server = await fakeServer({ BERTH_POOL_SIZE: '2', BERTH_MAX_SANDBOXES: '2' });
    await settle(5);
    expect(server.driver.count).toBe(2);
    const first = await server.createSession({ from: '203.0.113.1' });
    await settle(5);
    expect(server.driver.count).toBe(2); // one session, one pooled
    await server.createSession({ from: '203.0.113.2' });
    await settle(5);
    expect(server.driver.count).toBe(2);
    expect(await poolGauge(server.metrics, 'ready')).toBe(0);
    await server.request('DELETE', '/api/session', { cookie: first.cookie });
    await settle(5);
    expect(server.driver.count).toBe(2);
    expect(await poolGauge(server.metrics, 'ready')).toBe(1);
  });

  it('counts idle time of a taken sandbox from the take, not from its start', async () => {
    const server = await fakeServer({ BERTH_POOL_SIZE: '1', BERTH_IDLE_TIMEOUT_SECONDS: '60' });
    await settle(5);
    const takenAt = Date.now();
    await server.createSession();
    await server.reaper.reap(takenAt + 59_000);
    expect(server.sessions.all()).toHaveLength(1);
    await server.reaper.reap(takenAt + 61_000);
    expect(server.sessions.all()).toHaveLength(0);
  });

  it('after a failed start, backs off instead of hammering the engine, and serves cold starts meanwhile', async () => {
    const server = await fakeServer({ BERTH_POOL_SIZE: '1' }, FakeDriver.failing(0));
    await settle(50);
    // One try, then a pause of a second before the next.
    expect(server.driver.log.filter((line) => line.startsWith('start'))).toHaveLength(1);
    server.driver.behaviour = { kind: 'ready' };
    const created = await server.createSession();
    expect(created.status).toBe(201);
    expect(server.driver.log.at(-1)).toBe(`start ${created.id.slice(0, 8)}`);
  });

  it('on close removes its own sandboxes, even one still starting, and leaves taken ones', async () => {
    const server = await fakeServer({ BERTH_POOL_SIZE: '2' }, FakeDriver.slow(5));
    await settle(10);
    const created = await server.createSession();
    await settle(1); // the refill is under way
    await server.sessions.closePool();
    expect([...server.driver.sandboxes.keys()]).toEqual([created.id]);
  });
});
