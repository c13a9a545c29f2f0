import { describe, expect, it } from 'vitest';
import { filledValue, normalizeOutput, parseBlockMeta } from './block-meta.ts';

describe('block meta', () => {
  it('reads the host a block runs on, and a placeholder it fills from its output', () => {
    const meta = parseBlockMeta(
      `host="node2" terminal=logs fills='join-command=docker swarm join --token \\S+ [0-9.]+:[0-9]+'`,
    );
    expect(meta.host).toBe('node2');
    expect(meta.terminal).toBe('logs');
    expect(meta.fills).toEqual({
      placeholder: '<join-command>',
      pattern: 'docker swarm join --token \\S+ [0-9.]+:[0-9]+',
    });
    const output =
      '\x1b[1mTo add a worker\x1b[0m\r\n    docker swarm join --token SWMTKN-1-abc 100.64.1.2:2377\r\n';
    expect(filledValue(meta.fills ?? { pattern: '' }, output)).toBe(
      'docker swarm join --token SWMTKN-1-abc 100.64.1.2:2377',
    );
    expect(filledValue({ pattern: 'token (\\S+)' }, output)).toBe('SWMTKN-1-abc');
    expect(filledValue({ pattern: 'nothing here' }, output)).toBeUndefined();
    for (const bad of [
      'host=node0',
      'host=node10',
      'host=web',
      "fills='x'",
      "fills='Bad=x'",
      "fills='a=('",
    ]) {
      expect(() => parseBlockMeta(bad), bad).toThrow();
    }
  });

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
