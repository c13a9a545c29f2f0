import { describe, expect, it } from 'vitest';
import { parseClientMessage, parseSize, TERMINAL_NAME } from './terminal.ts';

describe('terminal protocol', () => {
  it('accepts the three client messages', () => {
    expect(parseClientMessage('{"type":"resize","cols":120,"rows":40}')).toEqual({
      type: 'resize',
      cols: 120,
      rows: 40,
    });
    expect(parseClientMessage('{"type":"pause"}')).toEqual({ type: 'pause' });
    expect(parseClientMessage('{"type":"resume","extra":1}')).toEqual({ type: 'resume' });
  });

  it('explains what is wrong with a malformed message', () => {
    for (const text of ['', 'nope', '[]', 'null', '42', '{"type":"shell"}', '{"cols":1}']) {
      expect(typeof parseClientMessage(text)).toBe('string');
    }
    for (const size of ['"80"', '0', '-1', '1.5', '100000', 'null']) {
      expect(parseClientMessage(`{"type":"resize","cols":${size},"rows":24}`)).toMatch(/cols/);
    }
  });

  it('reads the size from the query, with a default', () => {
    expect(parseSize(undefined, undefined)).toEqual({ cols: 80, rows: 24 });
    expect(parseSize('132', '43')).toEqual({ cols: 132, rows: 43 });
    expect(parseSize('0', '24')).toMatch(/cols/);
    expect(parseSize('abc', '24')).toMatch(/cols/);
    expect(parseSize('80', '9999')).toMatch(/rows/);
  });

  it('names terminals with at most 16 lower-case letters, digits and dashes', () => {
    for (const name of ['main', '2', 'logs-1', 'a'.repeat(16)]) expect(TERMINAL_NAME.test(name)).toBe(true);
    for (const name of ['', '-x', 'Main', 'a'.repeat(17), 'a/b', '../x', 'a b', 'é']) {
      expect(TERMINAL_NAME.test(name)).toBe(false);
    }
  });
});
