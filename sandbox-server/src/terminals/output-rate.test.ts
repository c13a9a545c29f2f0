import { describe, expect, it } from 'vitest';
import { OutputRate } from './output-rate.ts';

describe('the output rate', () => {
  it('lets a window’s share through, then says how long to wait for the rate to be kept', () => {
    let now = 1000;
    const rate = new OutputRate(1_000_000, 10, () => now); // 10 000 bytes per 10 ms window
    expect(rate.take(4000)).toBe(0);
    expect(rate.take(4000)).toBe(0);
    now += 2;
    // 12 000 bytes in this window are paid for 12 ms after it opened: 10 ms from now.
    expect(rate.take(4000)).toBe(10);
    now += 10;
    expect(rate.take(4000)).toBe(0); // a new window
  });

  it('averages out to the rate over many sends', () => {
    let now = 0;
    const rate = new OutputRate(28_000_000, 10, () => now);
    let sent = 0;
    while (now < 1000) {
      sent += 65_536;
      now += Math.max(0.5, rate.take(65_536));
    }
    expect(sent / 1_000_000).toBeGreaterThan(26);
    expect(sent / 1_000_000).toBeLessThan(30);
  });
});
