import { describe, expect, it } from 'vitest';
import { CreationRate } from './creation-rate.ts';

describe('the creation rate', () => {
  it('allows `perMinute` creations per client, then says when the next may come', () => {
    let now = 0;
    const rate = new CreationRate(3, () => now);
    expect([rate.take('a'), rate.take('a'), rate.take('a')]).toEqual([0, 0, 0]);
    now = 20_000;
    expect(rate.take('a')).toBe(40); // the first falls out of the minute at 60 s
    expect(rate.take('b')).toBe(0); // counted per client
    now = 60_000;
    expect(rate.take('a')).toBe(0);
  });

  it('forgets quiet clients', () => {
    let now = 0;
    const rate = new CreationRate(3, () => now);
    rate.take('a');
    rate.take('b');
    now = 61_000;
    rate.take('b');
    rate.prune();
    expect(rate.clients).toBe(1);
  });
});
