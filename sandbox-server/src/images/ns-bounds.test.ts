import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readerIds } from '../sandboxes/docker/confinement.ts';

// The server picks each sandbox's host ids (sandboxes/confinement.ts); berth-ns, in the image,
// refuses any outside the bounds it was compiled with. The server is the source: these tests hold
// the image to it, so the two cannot drift apart unnoticed.

const source = (file: string) => readFileSync(new URL(`./sandbox/${file}`, import.meta.url), 'utf8');

/** berth-ns.c's #defines as numbers: plain ones, names of others, and differences of them. */
function berthNsDefines(): (name: string) => number {
  const defines = new Map(
    [...source('berth-ns.c').matchAll(/^#define (\w+) (.+?)\s*(\/\*.*)?$/gm)].map((m) => [m[1], m[2]]),
  );
  const value = (name: string): number => {
    const text = defines.get(name);
    if (text === undefined) throw new Error(`berth-ns.c defines no ${name}`);
    const terms = text
      .replace(/[()]/g, '')
      .split(' - ')
      .map((term) => term.trim())
      .map((term) => (/^\d+U?L?$/.test(term) ? Number.parseInt(term, 10) : value(term)));
    return terms.reduce((first, next) => first - next);
  };
  return value;
}

/** What readerIds gives every /24 a sandbox can have: every /16 of BERTH_SANDBOX_SUBNETS, every /24 in it. */
function everySandboxIds() {
  const all = [];
  for (let second = 0; second < 256; second++) {
    for (let third = 0; third < 256; third++) all.push(readerIds(`10.${second}.${third}.0/24`));
  }
  return all;
}

describe("berth-ns's bounds on the host ids", () => {
  const define = berthNsDefines();
  const ids = everySandboxIds();

  it('take every namespace owner the server picks, from the lowest to the highest', () => {
    const owners = ids.map((id) => id.owner);
    expect(Math.min(...owners)).toBe(define('OWNER_MIN'));
    expect(Math.max(...owners)).toBe(define('OWNER_MAX'));
  });

  it('take every range of reader ids the server picks: as many ids as it maps, each range a step apart', () => {
    const bases = ids.map((id) => id.idBase);
    expect(Math.min(...bases)).toBe(define('ID_BASE_MIN'));
    expect(Math.max(...bases)).toBe(define('ID_BASE_MAX'));
    expect(bases.every((base) => base % define('ID_COUNT') === 0)).toBe(true);
    expect(readerIds('10.89.1.0/24').idBase - readerIds('10.89.0.0/24').idBase).toBe(define('ID_COUNT'));
  });

  it("map as many ids onto the image's files as berth-ns maps for the reader", () => {
    const idmap = /X-mount\.idmap=0:\$READER_ROOT:(\d+)/.exec(source('outside/setup'))?.[1];
    expect(Number(idmap)).toBe(define('ID_COUNT'));
  });
});
