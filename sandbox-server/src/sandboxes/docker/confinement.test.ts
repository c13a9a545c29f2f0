import { describe, expect, it } from 'vitest';
import { readerIds } from './confinement.ts';

describe('readerIds', () => {
  const subnets = (second: number) => Array.from({ length: 256 }, (_, third) => `10.${second}.${third}.0/24`);

  it('gives every /24 of a /16 a range and an owner of its own, within what berth-ns takes', () => {
    const ids = subnets(89).map(readerIds);
    expect(new Set(ids.map((id) => id.idBase)).size).toBe(256);
    expect(new Set(ids.map((id) => id.owner)).size).toBe(256);
    for (const { idBase, owner } of ids) {
      expect(idBase % 65_536).toBe(0);
      expect(idBase).toBeGreaterThanOrEqual(2 ** 30);
      expect(idBase + 65_536).toBeLessThanOrEqual(2 ** 31);
      // berth-ns.c: OWNER_MIN and OWNER_MAX, below every reader's range.
      expect(owner).toBeGreaterThanOrEqual(1_000_000_000);
      expect(owner).toBeLessThanOrEqual(1_000_065_535);
      expect(owner).toBeLessThan(2 ** 30);
    }
  });

  it('keeps the ranges of /16s less than 64 apart apart', () => {
    const bases = [...subnets(86), ...subnets(89), ...subnets(86 + 63)].map(
      (subnet) => readerIds(subnet).idBase,
    );
    expect(new Set(bases).size).toBe(bases.length);
  });

  it('passes both to the entrypoint', () => {
    expect(readerIds('10.89.3.0/24').env).toEqual([
      `BERTH_NS_OWNER=${1_000_000_000 + 89 * 256 + 3}`,
      `BERTH_ID_BASE=${2 ** 30 + (25 * 256 + 3) * 65_536}`,
    ]);
  });
});
