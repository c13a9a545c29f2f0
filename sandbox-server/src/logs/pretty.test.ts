import { describe, expect, it } from 'vitest';
import { prettyLine } from './pretty.ts';

describe('the log for a terminal', () => {
  it('puts the time, the level and the message first, then every other field', () => {
    const json = JSON.stringify({
      level: 40,
      time: Date.UTC(2026, 11, 3, 12, 1, 2),
      pid: 7,
      hostname: 'h',
      service: 'berth',
      instance: 'default',
      event: 'egress_mirror_unresolved',
      mirrors: ['deb.debian.org'],
      msg: 'package mirrors that did not resolve',
    });
    expect(prettyLine(json)).toBe(
      '12:01:02 warn  package mirrors that did not resolve event=egress_mirror_unresolved mirrors=["deb.debian.org"]',
    );
  });

  it("says an error by its type and message, and leaves what is not pino's as it came", () => {
    const json = JSON.stringify({
      level: 50,
      time: 0,
      msg: 'request failed',
      err: { type: 'TypeError', message: 'x is not a function', stack: '…' },
    });
    expect(prettyLine(json)).toBe('00:00:00 error request failed err="TypeError: x is not a function"');
    expect(prettyLine('plain text')).toBe('plain text');
    expect(prettyLine(json, true)).toContain('\x1b[31merror\x1b[0m');
  });
});
