import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { type PoolWindow, parsePoolSchedule } from '../config/pool-schedule.ts';
import { createMetrics } from '../metrics/index.ts';
import { Admission } from '../sessions/admission.ts';
import { FakeDriver } from '../testing/fake-driver.ts';
import { fakeServer, settle } from '../testing/fake-server.ts';
import { QUIET_MS } from './demand.ts';
import { WarmPool } from './warm-pool.ts';

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
    const id = created.id.slice(0, 8);
    // No cold start of its own: the pooled one goes on, and the refill starts beside it.
    expect(server.driver.log).toContain(`start ${id} (unowned)`);
    expect(server.driver.log).not.toContain(`start ${id}`);
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

/** A pool on clocks the test moves: `wall` for the schedule and demand, `starts` for measured starts. */
function poolOf(
  options: {
    base?: number;
    schedule?: string;
    room?: number;
    hostMemoryBytes?: number;
    driver?: FakeDriver;
  } = {},
) {
  const wall = { ms: new Date(2026, 11, 1, 8, 0).getTime() };
  const starts = { ms: 0 };
  const metrics = createMetrics();
  const admission = new Admission(3, metrics, () => starts.ms);
  const driver = options.driver ?? FakeDriver.readyAtOnce();
  const schedule = parsePoolSchedule(options.schedule ?? '') as PoolWindow[];
  const pool = new WarmPool({
    driver,
    admission,
    baseSize: options.base ?? 2,
    schedule,
    room: () => options.room ?? 100,
    metrics,
    log: pino({ level: 'silent' }),
    now: () => wall.ms,
    hostMemoryBytes: options.hostMemoryBytes ?? 64 * 1024 ** 3,
  });
  /** Starts measured to take `seconds` each, as the lead times are made from them. */
  const measureStarts = async (seconds: number) => {
    await admission.start({ signal: new AbortController().signal }, async () => {
      starts.ms += seconds * 1000;
    }).result;
  };
  return { pool, driver, wall, admission, measureStarts };
}

const stops = (driver: FakeDriver) => driver.log.filter((line) => line.startsWith('stop')).length;

describe('the warm pool’s size', () => {
  it('grows with readers arriving, starting up to the admission’s slots at once', async () => {
    const { pool, driver } = poolOf({ base: 2, driver: FakeDriver.slow(20) });
    pool.adjust();
    await vi.waitFor(() => expect(pool.state()).toMatchObject({ target: 2, why: 'base', ready: 2 }));
    for (let i = 0; i < 10; i++) pool.take();
    pool.adjust();
    await settle();
    expect(pool.state()).toMatchObject({ target: 10, why: 'demand', starting: 3, queued: 7 });
    await vi.waitFor(() => expect(pool.state().ready).toBe(10));
    expect(driver.count).toBe(10 + 2); // the two taken are their sessions' now
    await pool.close();
  });

  it('stops what it grew for a burst once arrivals stopped for a few minutes, down to its base', async () => {
    const { pool, driver, wall } = poolOf({ base: 2 });
    for (let i = 0; i < 8; i++) pool.take();
    pool.adjust();
    await settle();
    expect(pool.state()).toMatchObject({ target: 8, ready: 8 });
    wall.ms += QUIET_MS - 60_000;
    pool.adjust();
    expect(pool.state().target).toBe(8);
    wall.ms += 2 * 60_000;
    pool.adjust();
    await settle();
    expect(pool.state()).toMatchObject({ target: 2, why: 'base', ready: 2 });
    expect(stops(driver)).toBe(6);
    await pool.close();
  });

  it('with a base of 0 stays off, whatever the demand', async () => {
    const { pool, driver } = poolOf({ base: 0 });
    for (let i = 0; i < 5; i++) pool.take();
    pool.adjust();
    await settle();
    expect(pool.state()).toMatchObject({ target: 0, why: 'base' });
    expect(driver.count).toBe(0);
  });

  it('starts a scheduled room early enough to be ready by its start: the measured start × size ÷ slots', async () => {
    const { pool, wall, measureStarts } = poolOf({ base: 1, schedule: '09:00-12:00=30' });
    await measureStarts(10);
    // 30 sandboxes, 3 at a time, 10 s each: 100 s before 09:00.
    wall.ms = new Date(2026, 11, 1, 8, 58, 10).getTime();
    pool.adjust();
    expect(pool.state()).toMatchObject({ target: 1, why: 'base', schedule: ['09:00-12:00=30'] });
    wall.ms = new Date(2026, 11, 1, 8, 58, 30).getTime();
    pool.adjust();
    expect(pool.state()).toMatchObject({ target: 30, why: 'schedule' });
    expect(pool.state().reason).toMatch(/09:00-12:00=30, ready by 09:00/);
    wall.ms = new Date(2026, 11, 1, 12, 0).getTime();
    pool.adjust();
    expect(pool.state().target).toBe(1);
    await pool.close();
  });

  it('prepares a room asked for by an operator before its time, and lets it go after', async () => {
    const { pool, wall, measureStarts } = poolOf({ base: 1 });
    await measureStarts(6);
    const readyBy = new Date(wall.ms + 60 * 60_000);
    const until = new Date(readyBy.getTime() + 30 * 60_000);
    pool.request({ size: 12, readyBy, until });
    expect(pool.state()).toMatchObject({ target: 1, request: { size: 12 } });
    wall.ms = readyBy.getTime() - 23_000; // 6 s × 12 ÷ 3 = 24 s of lead
    pool.adjust();
    expect(pool.state()).toMatchObject({ target: 12, why: 'request' });
    wall.ms = until.getTime();
    pool.adjust();
    expect(pool.state()).toMatchObject({ target: 1, request: null });
    await pool.close();
  });

  it('never holds more idle sandboxes than half the host’s memory, and says so', async () => {
    const { pool, driver } = poolOf({ base: 1, hostMemoryBytes: 256 * 1024 ** 2 });
    pool.request({ size: 40 });
    await settle();
    const state = pool.state();
    // Half of 256 MiB at an estimated 16 MiB each.
    expect(state).toMatchObject({ target: 8, wanted: 40, why: 'request', limit: { by: 'memory' } });
    expect(state.limit?.message).toMatch(/half of this host's 0.3 GiB/);
    expect(driver.count).toBe(8);
    await pool.close();
  });

  it('never asks for more than the server’s room, and says so', async () => {
    const { pool } = poolOf({ base: 1, room: 5 });
    pool.request({ size: 40 });
    expect(pool.state()).toMatchObject({ target: 5, limit: { by: 'capacity' } });
    await pool.close();
  });
});
