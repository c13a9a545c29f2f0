import { describe, expect, it } from 'vitest';
import { FakeDriver } from '../testing/fake-driver.ts';
import { fakeServer, settle } from '../testing/fake-server.ts';

const reaped = async (metrics: { registry: { metrics(): Promise<string> } }, reason: string) =>
  Number(
    new RegExp(`berth_sandboxes_reaped_total\\{reason="${reason}"\\} (\\d+)`).exec(
      await metrics.registry.metrics(),
    )?.[1] ?? 0,
  );

describe('the reaper over the fake driver', () => {
  it('ends a session with no terminal input after the idle timeout, and not before', async () => {
    const server = await fakeServer({ BERTH_IDLE_TIMEOUT_SECONDS: '60' });
    const created = await server.createSession();
    const session = server.sessions.all()[0];
    if (!session) throw new Error('no session');
    await server.reaper.reap(Date.now() + 59_000);
    expect(server.sessions.all()).toHaveLength(1);
    session.touch(); // input moves the deadline
    await server.reaper.reap(session.lastInputAt + 59_000);
    expect(server.sessions.all()).toHaveLength(1);
    await server.reaper.reap(session.lastInputAt + 60_000);
    expect(server.sessions.all()).toHaveLength(0);
    expect(server.driver.count).toBe(0);
    expect((await server.request('GET', '/api/session', { cookie: created.cookie })).status).toBe(404);
    expect(await reaped(server.metrics, 'idle')).toBe(1);
  });

  it('ends a session at the end of its lifetime, however active', async () => {
    const server = await fakeServer({ BERTH_LIFETIME_SECONDS: '600' });
    await server.createSession();
    const [session] = server.sessions.all();
    if (!session) throw new Error('no session');
    session.touch();
    await server.reaper.reap(session.expiresAt.getTime() - 1);
    expect(server.sessions.all()).toHaveLength(1);
    await server.reaper.reap(session.expiresAt.getTime());
    expect(server.sessions.all()).toHaveLength(0);
    expect(await reaped(server.metrics, 'expired')).toBe(1);
  });

  it('ends a ready session whose sandbox died under it, within a few passes, as failed', async () => {
    const server = await fakeServer();
    const [first, second] = [
      await server.createSession(),
      await server.createSession({ from: '203.0.113.9' }),
    ];
    const ended = new Promise((resolve) =>
      server.sessions
        .all()[0]
        ?.ended.addEventListener('abort', (event) => resolve((event.target as AbortSignal).reason)),
    );
    server.driver.die(first.id);
    for (let pass = 0; pass < 3; pass++) await server.reaper.reap();
    expect(await ended).toBe('failed');
    expect(server.sessions.all().map((s) => s.id)).toEqual([second.id]);
  });

  it('removes a host that died alone, and leaves its session and the other hosts running', async () => {
    const server = await fakeServer();
    const created = await server.createSession();
    await settle(5);
    await server.request('POST', '/api/session/hosts', { cookie: created.cookie, body: '{"atLeast":3}' });
    await settle(5);
    const host = server.driver.sandboxes.get(created.id)?.hosts.get('node2');
    if (host) host.running = false;
    for (let pass = 0; pass < 3; pass++) await server.reaper.reap();
    await settle(5);
    const session = server.sessions.all()[0];
    expect(session?.id).toBe(created.id);
    expect(session?.hosts.names()).toEqual(['node1', 'node3']);
    expect(server.driver.log).toContain(`remove node2 ${created.id.slice(0, 8)}`);
  });

  it('leaves a session taken from the pool alone while its owner is still being recorded', async () => {
    const server = await fakeServer({ BERTH_POOL_SIZE: '1' });
    await settle(5);
    let recorded = () => {};
    server.driver.ownGate = new Promise((resolve) => {
      recorded = resolve;
    });
    const creating = server.createSession();
    await settle(5);
    const [session] = server.sessions.all();
    expect(session?.state).toBe('ready'); // taken ready, but not listed as anyone's yet
    for (let pass = 0; pass < 3; pass++) await server.reaper.reap();
    expect(session?.ended.aborted).toBe(false);
    recorded();
    expect((await creating).status).toBe(201);
  });

  it('sweeps what ended sessions left behind, and keeps the live ones and the pool', async () => {
    const server = await fakeServer({ BERTH_POOL_SIZE: '1' });
    const created = await server.createSession();
    await settle(5); // the pool refills
    // A sandbox no session holds: left by a crash between start and record.
    await server.driver.start('f'.repeat(64), undefined, { signal: new AbortController().signal });
    expect(server.driver.count).toBe(3);
    for (let pass = 0; pass < 12; pass++) await server.reaper.reap();
    expect(server.driver.count).toBe(2);
    expect(server.driver.sandboxes.has(created.id)).toBe(true);
    expect(await reaped(server.metrics, 'orphaned')).toBe(1);
  });

  it('adopts what a previous run left: live owned sandboxes, not expired, stopped or unowned ones', async () => {
    const driver = FakeDriver.readyAtOnce();
    const signal = new AbortController().signal;
    const owner = { clientAddress: 'a', createdAt: new Date(), expiresAt: new Date(Date.now() + 60_000) };
    const [live, expired, stopped, unowned] = ['a', 'b', 'c', 'd'].map((c) => c.repeat(64));
    await driver.start(live as string, owner, { signal });
    await driver.start(expired as string, { ...owner, expiresAt: new Date(Date.now() - 1) }, { signal });
    await driver.start(stopped as string, owner, { signal });
    driver.die(stopped as string);
    await driver.start(unowned as string, undefined, { signal });
    // The engine is down when the server starts: it adopts at the first pass that finds it up.
    driver.engineUp = false;
    const server = await fakeServer({}, driver, { adopt: false });
    await server.reaper.reap();
    expect(server.sessions.adopted).toBe(false);
    driver.engineUp = true;
    await server.reaper.reap();
    expect(server.sessions.all().map((s) => [s.id, s.state])).toEqual([[live, 'ready']]);
    expect([...driver.sandboxes.keys()]).toEqual([live]);
  });
});
