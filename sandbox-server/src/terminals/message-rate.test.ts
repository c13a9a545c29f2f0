import { describe, expect, it } from 'vitest';
import { MessageRate } from './message-rate.ts';

describe('the message rate', () => {
  it('lets the limit through in a second and refuses the message after it', () => {
    let now = 5000;
    const rate = new MessageRate(1000, () => now);
    for (let i = 0; i < 1000; i++) {
      expect(rate.take()).toBe(true);
      now += 0.5;
    }
    expect(rate.take()).toBe(false);
  });

  it('starts counting afresh a second after the window opened', () => {
    let now = 0;
    const rate = new MessageRate(3, () => now);
    expect([rate.take(), rate.take(), rate.take(), rate.take()]).toEqual([true, true, true, false]);
    now = 999;
    expect(rate.take()).toBe(false);
    now = 1000;
    expect([rate.take(), rate.take(), rate.take(), rate.take()]).toEqual([true, true, true, false]);
  });

  it('never refuses a typist: one message every few milliseconds for a minute', () => {
    let now = 0;
    const rate = new MessageRate(1000, () => now);
    for (; now < 60_000; now += 5) expect(rate.take()).toBe(true);
  });
});
