import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { fakeServer, settle } from '../testing/fake-server.ts';
import { Preparation } from './preparation.ts';

const log = pino({ level: 'silent' });

/** A promise the test settles when it likes: a step that is "still building". */
function held() {
  let release!: () => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<void>((resolve, reject) => {
    release = resolve;
    fail = reject;
  });
  return { promise, release, fail };
}

describe('Preparation', () => {
  it('counts steps done, names those running side by side, and is ready when the work ends', async () => {
    const preparation = new Preparation(['the sandbox image', 'the catalog images', 'the mirror']);
    const sandbox = held();
    const catalog = held();
    const mirror = held();
    preparation.start(async (step) => {
      await Promise.all([
        step('the sandbox image', () => sandbox.promise),
        step('the catalog images', () => catalog.promise),
      ]);
      await step('the mirror', () => mirror.promise);
    }, log);
    await settle();
    expect(preparation.view()).toEqual({
      state: 'preparing',
      step: 1,
      of: 3,
      doing: ['the sandbox image', 'the catalog images'],
    });
    expect(preparation.ready).toBe(false);
    catalog.release();
    await settle();
    expect(preparation.view()).toMatchObject({ step: 2, doing: ['the sandbox image'] });
    const refusal = preparation.refusal();
    expect(refusal.code).toBe('preparing');
    expect(refusal.status).toBe(503);
    expect(refusal.retryAfterSeconds).toBeGreaterThan(0);
    expect(refusal.message).toMatch(/^Sandboxes are being prepared: step 2 of 3 \(the sandbox image\)\./);
    sandbox.release();
    await settle();
    expect(preparation.view()).toMatchObject({ step: 3, doing: ['the mirror'] });
    mirror.release();
    await settle();
    expect(preparation.ready).toBe(true);
    expect(preparation.view()).toEqual({ state: 'ready', step: 3, of: 3, doing: [] });
  });

  it('after a failure says so, with when it tries again, and tries again', async () => {
    let clock = 1_000_000;
    const preparation = new Preparation(['the sandbox image'], 20, () => clock);
    let attempts = 0;
    preparation.start(async (step) => {
      attempts += 1;
      if (attempts === 1) await step('the sandbox image', async () => Promise.reject(new Error('apt: 503')));
    }, log);
    await settle();
    expect(preparation.view()).toMatchObject({
      state: 'failed',
      error: 'apt: 503',
      retryAt: new Date(clock + 20).toISOString(),
    });
    const refusal = preparation.refusal();
    expect(refusal.code).toBe('sandbox_unavailable');
    expect(refusal.message).toContain('tries again in 1 s');
    // The reader is not shown the build's words: they are for the operator.
    expect(refusal.message).not.toContain('apt');
    clock += 20;
    await settle(60);
    expect(attempts).toBe(2);
    expect(preparation.ready).toBe(true);
  });

  it('stops trying once stopped', async () => {
    const preparation = new Preparation(['x'], 10);
    let attempts = 0;
    preparation.start(async () => {
      attempts += 1;
      throw new Error('no');
    }, log);
    await settle();
    preparation.stop();
    await settle(50);
    expect(attempts).toBe(1);
  });
});

describe('a server that is preparing', () => {
  it('refuses the API with `preparing` and shows its step on /readyz, then serves once ready', async () => {
    const preparation = new Preparation(['the sandbox image']);
    const image = held();
    preparation.start((step) => step('the sandbox image', () => image.promise), log);
    const server = await fakeServer({}, undefined, { preparation });

    const refused = await server.createSession();
    expect(refused.status).toBe(503);
    expect(refused.response.headers.get('retry-after')).toBe('5');
    expect(refused.body).toMatchObject({ error: { code: 'preparing' } });
    expect((await server.request('GET', '/api/session')).status).toBe(503);
    const ready = await server.request('GET', '/readyz');
    expect(ready.status).toBe(200); // the fake's checks hold; the real server adds `prepared`
    expect(await ready.json()).toMatchObject({
      preparation: { state: 'preparing', step: 1, of: 1, doing: ['the sandbox image'] },
    });
    const metrics = await (await server.request('GET', '/metrics')).text();
    expect(metrics).toMatch(/^berth_refusals_total\{code="preparing"\} 2$/m);

    image.release();
    await settle();
    expect((await server.createSession()).status).toBe(201);
  });
});
