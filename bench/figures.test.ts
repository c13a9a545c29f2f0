import { describe, expect, it } from 'vitest';
import { formatTable, higherThan, lowerThan, percentile, verdict } from './figures.ts';

describe('bench figures', () => {
  it('take percentiles by nearest rank', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 99)).toBe(99);
    expect(percentile(samples, 100)).toBe(100);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('say met or missed against the target, and nothing without a value or target', () => {
    expect(verdict({ name: 'a', value: 300, unit: 'ms', target: lowerThan(300) })).toBe('met');
    expect(verdict({ name: 'a', value: 301, unit: 'ms', target: lowerThan(300) })).toBe('missed');
    expect(verdict({ name: 'b', value: 19.9, unit: 'MB/s', target: higherThan(20) })).toBe('missed');
    expect(verdict({ name: 'c', value: undefined, unit: 'ms', target: lowerThan(1) })).toBe('—');
    expect(verdict({ name: 'd', value: 5, unit: 'ms' })).toBe('—');
  });

  it('print one aligned row per figure', () => {
    const table = formatTable([
      { name: 'cold start, p50', value: 2093.4, unit: 'ms', target: lowerThan(2500) },
      { name: 'pool start', value: undefined, unit: 'ms', note: 'no pool yet' },
    ]).split('\n');
    expect(table).toHaveLength(4);
    expect(table[2]).toMatch(/^cold start, p50\s+2093 ms\s+≤ 2500 ms\s+met$/);
    expect(table[3]).toMatch(/^pool start\s+not measured\s+—\s+no pool yet$/);
  });
});
