import { describe, expect, it } from 'vitest';
import { FakeDriver } from '../testing/fake-driver.ts';
import { fakeServer } from '../testing/fake-server.ts';
import { atCapacity } from './capacity.ts';
import { Session } from './session.ts';

const NOW = Date.UTC(2026, 11, 1, 9, 0);

/** A session that last saw input `idleFor` seconds ago and expires in `expiresIn` seconds. */
function live(idleFor: number, expiresIn: number): Session {
  const session = new Session('s', '192.0.2.1', new Date(NOW - 60_000), new Date(NOW + expiresIn * 1000));
  session.lastInputAt = NOW - idleFor * 1000;
  return session;
}

describe('a full server', () => {
  it('says when the first sandbox frees up: the soonest idle reap or expiry, in words', () => {
    const idle = atCapacity([live(0, 3000), live(720, 3000)], 900, NOW);
    expect(idle.retryAfterSeconds).toBe(180);
    expect(idle.message).toMatch(/frees up in about 3 minutes/);
    const expiring = atCapacity([live(0, 3000), live(0, 42)], 900, NOW);
    expect(expiring.retryAfterSeconds).toBe(42);
    expect(expiring.message).toMatch(/in about 40 seconds/);
    expect(atCapacity([live(0, 70)], 900, NOW).message).toMatch(/in about a minute/);
  });

  it('keeps the wait between 5 seconds and an hour', () => {
    expect(atCapacity([live(899, 3000)], 900, NOW).retryAfterSeconds).toBe(5);
    expect(atCapacity([live(0, 9000)], 9000, NOW)).toMatchObject({ retryAfterSeconds: 3600 });
    expect(atCapacity([live(0, 9000)], 9000, NOW).message).toMatch(/about an hour/);
  });

  it('answers 503 at_capacity with that Retry-After', async () => {
    const server = await fakeServer(
      { BERTH_MAX_SANDBOXES: '1', BERTH_IDLE_TIMEOUT_SECONDS: '120' },
      FakeDriver.neverReady(),
    );
    expect((await server.createSession({ from: '192.0.2.1' })).status).toBe(201);
    const refused = await server.createSession({ from: '192.0.2.2' });
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({
      error: { code: 'at_capacity', message: expect.stringMatching(/about 2 minutes/) },
    });
    expect(Number(refused.response.headers.get('retry-after'))).toBeGreaterThanOrEqual(119);
  });
});
