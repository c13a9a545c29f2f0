import { describe, expect, it } from 'vitest';
import { normalizeOutput, parseBlockMeta } from './block-meta.ts';

describe('block meta', () => {
  it('reads every key an author may use, next to Expressive Code options', () => {
    expect(
      parseBlockMeta(
        'title="x" exit=3 expect="inactive (dead)" terminal=logs until="root@" after=2 then="exit" timeout=300',
      ),
    ).toEqual({
      exit: 3,
      expect: 'inactive (dead)',
      terminal: 'logs',
      until: 'root@',
      after: 2,
      ending: 'exit',
      timeout: 300,
    });
    expect(parseBlockMeta('norun="SELinux only"')).toEqual({ norun: 'SELinux only' });
    expect(parseBlockMeta('')).toEqual({});
  });

  it('names what is wrong', () => {
    expect(() => parseBlockMeta('exit=x')).toThrow(/exit must be a whole number/);
    expect(() => parseBlockMeta('then=sleep')).toThrow(/then must be one of/);
    expect(() => parseBlockMeta('until="x"')).toThrow(/need then=/);
    expect(() => parseBlockMeta('terminal="Logs 2"')).toThrow(/terminal must be/);
  });

  it('normalizes what differs between runs', () => {
    const a = `debian  latest  3abca0179858  2 weeks ago  117MB  172.17.0.2  sha256:${'a'.repeat(64)}`;
    const b = `debian latest 0a0368dbd3c0 About a minute ago 210 MB 172.18.0.3/16 sha256:${'b'.repeat(64)}`;
    expect(normalizeOutput(a)).toBe(normalizeOutput(b));
    expect(normalizeOutput('Fri 2015-09-04T12:50:54Z up')).toBe('Fri <time> up');
  });
});
