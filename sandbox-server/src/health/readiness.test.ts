import { describe, expect, it } from 'vitest';
import { readiness } from './readiness.ts';

describe('readiness', () => {
  it('is ready when every check that is on holds, and names the failing ones', async () => {
    const ready = await readiness({
      image: async () => true,
      mirror: undefined,
      firewall: async () => true,
    })();
    expect(ready).toEqual({
      ready: true,
      checks: { image: 'ok', mirror: 'off', firewall: 'ok' },
      failing: [],
    });
    const missing = await readiness({
      image: async () => false,
      firewall: async () => {
        throw new Error('iptables: not found');
      },
    })();
    expect(missing.ready).toBe(false);
    expect(missing.failing).toEqual(['image', 'firewall']);
  });

  it('keeps an answer two seconds, so a flood of probes runs the checks once', async () => {
    let clock = 0;
    let runs = 0;
    const ready = readiness({ image: async () => ++runs > 0 }, () => clock);
    await Promise.all(Array.from({ length: 50 }, () => ready()));
    expect(runs).toBe(1);
    clock = 2_000;
    await ready();
    expect(runs).toBe(2);
  });
});
