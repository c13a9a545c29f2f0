import { describe, expect, it } from 'vitest';
import { createMetrics } from '../metrics/index.ts';
import { FakeDriver } from '../testing/fake-driver.ts';
import { fakeServer, settle } from '../testing/fake-server.ts';
import { Admission } from './admission.ts';
import { FIRST_GUESS_SECONDS } from './start-durations.ts';

/** An admission queue on a clock the test moves, and starts that end when the test says. */
function line(limit: number) {
  const clock = { ms: 0 };
  const metrics = createMetrics();
  const admission = new Admission(limit, metrics, () => clock.ms);
  const started: string[] = [];
  const finish = new Map<string, () => void>();
  const ask = (name: string, client?: string, cancel = new AbortController()) => {
    const queued = admission.start({ client, signal: cancel.signal }, () => {
      started.push(name);
      return new Promise<void>((resolve) => finish.set(name, resolve));
    });
    queued.result.catch(() => {});
    return { ...queued, cancel };
  };
  /** Ends a start under way, after the time it took, and lets the next in. */
  const end = async (name: string, afterMs = 0) => {
    clock.ms += afterMs;
    finish.get(name)?.();
    await settle();
  };
  return { admission, metrics, clock, started, ask, end };
}

const waitingGauge = async (metrics: ReturnType<typeof createMetrics>) =>
  Number(/berth_admission_waiting (\d+)/.exec(await metrics.registry.metrics())?.[1]);

describe('the admission queue', () => {
  it('lets `limit` starts run at once; the others wait until one ends', async () => {
    const { started, ask, end } = line(2);
    for (const name of ['a', 'b', 'c']) ask(name, '192.0.2.1');
    await settle();
    expect(started).toEqual(['a', 'b']);
    await end('b');
    expect(started).toEqual(['a', 'b', 'c']);
  });

  it('goes round the client addresses, each address’s own readers in the order they came', async () => {
    const { started, ask, end } = line(1);
    ask('first', '192.0.2.9');
    for (const name of ['class-1', 'class-2', 'class-3']) ask(name, '192.0.2.1');
    ask('alone', '198.51.100.7');
    ask('other-1', '203.0.113.5');
    const second = ask('other-2', '203.0.113.5');
    await settle();
    expect(second.place()?.position).toBe(5);
    for (const name of ['first', 'class-1', 'alone', 'other-1', 'class-2', 'other-2', 'class-3'])
      await end(name);
    expect(started).toEqual(['first', 'class-1', 'alone', 'other-1', 'class-2', 'other-2', 'class-3']);
  });

  it('lets pool refills in only when no reader waits', async () => {
    const { started, ask, end } = line(1);
    ask('reader-1', '192.0.2.1');
    const refill = ask('refill');
    ask('reader-2', '192.0.2.2');
    await settle();
    expect(refill.place()?.position).toBe(2);
    await end('reader-1');
    await end('reader-2');
    expect(started).toEqual(['reader-1', 'reader-2', 'refill']);
  });

  it('a start cancelled while it waits leaves the line at once and never runs', async () => {
    const { metrics, started, ask, end } = line(1);
    ask('running', '192.0.2.1');
    const gone = ask('gone', '192.0.2.2');
    const after = ask('after', '192.0.2.3');
    await settle();
    expect(await waitingGauge(metrics)).toBe(2);
    expect(after.place()?.position).toBe(2);
    gone.cancel.abort(new Error('session deleted'));
    await expect(gone.result).rejects.toThrow('session deleted');
    expect(gone.place()).toBeUndefined();
    expect(after.place()?.position).toBe(1);
    expect(await waitingGauge(metrics)).toBe(1);
    await end('running');
    expect(started).toEqual(['running', 'after']);
    expect(after.place()).toBeUndefined();
  });

  it('estimates from a first guess before any start was measured, a slot’s worth apart', async () => {
    const { ask } = line(2);
    for (const name of ['a', 'b']) ask(name, '192.0.2.1');
    const waiting = ['c', 'd', 'e'].map((name) => ask(name, '192.0.2.1'));
    await settle();
    // Both slots free after one start; c and d take them, e waits for another.
    expect(waiting.map((w) => w.place())).toEqual([
      { position: 1, estimateSeconds: 2 * FIRST_GUESS_SECONDS },
      { position: 2, estimateSeconds: 2 * FIRST_GUESS_SECONDS },
      { position: 3, estimateSeconds: 3 * FIRST_GUESS_SECONDS },
    ]);
  });

  it('estimates from the starts it measured, and counts down as a start under way runs', async () => {
    const { admission, clock, ask, end } = line(1);
    ask('a', '192.0.2.1');
    await settle();
    await end('a', 10_000);
    expect(admission.startSeconds()).toBe(10);
    ask('b', '192.0.2.1');
    const c = ask('c', '192.0.2.1');
    await settle();
    expect(c.place()).toEqual({ position: 1, estimateSeconds: 20 });
    clock.ms += 4_000;
    expect(c.place()).toEqual({ position: 1, estimateSeconds: 16 });
  });

  it('a start running longer than the average raises the estimate before it ends', async () => {
    const { admission, clock, ask, end } = line(1);
    ask('a', '192.0.2.1');
    await settle();
    await end('a', 2_000);
    ask('slow', '192.0.2.1');
    const next = ask('next', '192.0.2.1');
    await settle();
    clock.ms += 12_000;
    expect(admission.startSeconds()).toBeGreaterThan(2);
    expect(next.place()?.estimateSeconds).toBeGreaterThan(2);
  });
});

describe('queued sessions over the fake driver', () => {
  it('say their place in line in the session view while they wait, and nothing once they start', async () => {
    const server = await fakeServer({ BERTH_STARTS_AT_ONCE: '1' }, FakeDriver.slow(100));
    const first = await server.createSession({ from: '192.0.2.1' });
    const second = await server.createSession({ from: '192.0.2.2' });
    expect(first.body.queue).toBeUndefined();
    expect(second.body).toMatchObject({ state: 'starting', queue: { position: 1 } });
    const estimate = (second.body.queue as { estimateSeconds: number }).estimateSeconds;
    expect(estimate).toBeGreaterThan(0);
    await settle(130);
    const now = await (await server.request('GET', '/api/session', { cookie: second.cookie })).json();
    expect(now).toMatchObject({ state: 'starting' });
    expect(now.queue).toBeUndefined();
  });

  it('a session deleted while it waits frees its place for the next reader', async () => {
    const server = await fakeServer({ BERTH_STARTS_AT_ONCE: '1' }, FakeDriver.neverReady());
    await server.createSession({ from: '192.0.2.1' });
    const gone = await server.createSession({ from: '192.0.2.2' });
    const next = await server.createSession({ from: '192.0.2.3' });
    expect(next.body).toMatchObject({ queue: { position: 2 } });
    await server.request('DELETE', '/api/session', { cookie: gone.cookie });
    const view = await (await server.request('GET', '/api/session', { cookie: next.cookie })).json();
    expect(view).toMatchObject({ queue: { position: 1 } });
  });
});
