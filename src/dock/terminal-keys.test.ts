import { describe, expect, it } from 'vitest';
import { copies, localAddresses, pastes } from './terminal-keys.ts';
import { keysFor } from './touch-keys.ts';

const key = (k: string, mods: Partial<Record<'ctrlKey' | 'shiftKey' | 'metaKey' | 'altKey', boolean>> = {}) =>
  ({ key: k, ctrlKey: false, shiftKey: false, metaKey: false, altKey: false, ...mods }) as KeyboardEvent;

describe('the copy and paste keys', () => {
  it('copy with Ctrl+Shift+C, or Ctrl+C over a selection; Ctrl+C alone stays an interrupt', () => {
    expect(copies(key('C', { ctrlKey: true, shiftKey: true }), false, false)).toBe(true);
    expect(copies(key('c', { ctrlKey: true }), true, false)).toBe(true);
    expect(copies(key('c', { ctrlKey: true }), false, false)).toBe(false);
    expect(copies(key('c', { ctrlKey: true, altKey: true }), true, false)).toBe(false);
    expect(copies(key('x', { ctrlKey: true, shiftKey: true }), true, false)).toBe(false);
  });

  it('copy and paste with Cmd on macOS, where Ctrl+C is always the interrupt', () => {
    expect(copies(key('c', { metaKey: true }), false, true)).toBe(true);
    expect(copies(key('c', { ctrlKey: true }), true, true)).toBe(false);
    expect(pastes(key('v', { metaKey: true }), true)).toBe(true);
    expect(pastes(key('v', { ctrlKey: true }), true)).toBe(false);
  });

  it('paste with Ctrl+Shift+V elsewhere; Ctrl+V stays the shell’s ^V', () => {
    expect(pastes(key('V', { ctrlKey: true, shiftKey: true }), false)).toBe(true);
    expect(pastes(key('v', { ctrlKey: true }), false)).toBe(false);
  });
});

describe('local addresses in the terminal', () => {
  it('are found with their port and path, with or without a scheme', () => {
    const line = 'Listening on localhost:3000, http://127.0.0.1:8080/api?x=1 and 0.0.0.0:5000/';
    expect(
      localAddresses(line).map(({ port, path, start, end }) => [port, path, line.slice(start, end)]),
    ).toEqual([
      [3000, '/', 'localhost:3000'],
      [8080, '/api?x=1', 'http://127.0.0.1:8080/api?x=1'],
      [5000, '/', '0.0.0.0:5000/'],
    ]);
  });

  it('are not found where the port is none or the host is another', () => {
    expect(localAddresses('localhost:0 localhost:70000 example.com:80 mylocalhost:80x')).toEqual([]);
  });
});

describe('the touch key row', () => {
  it('sends arrows as the shell asked for them, and the control keys', () => {
    expect(keysFor('up', false)).toBe('\x1b[A');
    expect(keysFor('up', true)).toBe('\x1bOA');
    expect(keysFor('left', false)).toBe('\x1b[D');
    expect(keysFor('esc', false)).toBe('\x1b');
    expect(keysFor('tab', false)).toBe('\t');
    expect(keysFor('ctrl-c', false)).toBe('\x03');
    expect(keysFor('ctrl-d', false)).toBe('\x04');
    expect(keysFor('ctrl', false)).toBeUndefined();
  });
});
