import { describe, expect, it } from 'vitest';
import { fakeServer } from '../testing/fake-server.ts';

const TOKEN = 'scraper-secret-0123456789';

describe('the probes and the metrics on the readers’ port', () => {
  it('/readyz is 200 with its checks while the sandbox image can be had, 503 naming what fails', async () => {
    const server = await fakeServer();
    const ready = await server.request('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { image: 'ok' } });
    // Answers are kept two seconds: a fresh server sees the engine down at once.
    const down = await fakeServer();
    down.driver.engineUp = false;
    const refused = await down.request('GET', '/readyz');
    expect(refused.status).toBe(503);
    expect(await refused.json()).toEqual({
      status: 'not_ready',
      checks: { image: 'failing' },
      failing: ['image'],
    });
    expect((await down.request('POST', '/readyz')).status).toBe(405);
  });

  it('names process metrics once, berth_process_*, and counts refusals by code', async () => {
    const server = await fakeServer({ BERTH_SESSIONS_PER_CLIENT: '1' });
    expect((await server.createSession()).status).toBe(201);
    for (let i = 0; i < 3; i++) expect((await server.createSession()).status).toBe(429);
    const text = await (await server.request('GET', '/metrics')).text();
    expect(text).toContain('berth_process_cpu_seconds_total');
    expect(text).toContain('berth_nodejs_heap_size_used_bytes');
    expect(text).not.toContain('berth_process_process_');
    expect(text).toMatch(/^berth_refusals_total\{code="too_many_sessions"\} 3$/m);
    expect(text).toContain('berth_admission_waiting');
  });

  it('with BERTH_METRICS_TOKEN, /metrics answers only the bearer of the token', async () => {
    const server = await fakeServer({ BERTH_METRICS_TOKEN: TOKEN });
    const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
    expect((await server.request('GET', '/metrics')).status).toBe(401);
    const wrong = await server.request('GET', '/metrics', bearer(`${TOKEN.slice(0, -1)}X`));
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect((await server.request('GET', '/metrics', bearer(`${TOKEN}0`))).status).toBe(401);
    const right = await server.request('GET', '/metrics', bearer(TOKEN));
    expect(right.status).toBe(200);
    expect(await right.text()).toContain('berth_sessions');
  });

  it('with a metrics port and no token, the readers’ port has no /metrics', async () => {
    const server = await fakeServer({ BERTH_METRICS_PORT: '0' });
    expect((await server.request('GET', '/metrics')).status).toBe(404);
  });

  it('refuses a token too short to be a secret', async () => {
    await expect(fakeServer({ BERTH_METRICS_TOKEN: 'short' })).rejects.toThrow(/BERTH_METRICS_TOKEN/);
  });
});
