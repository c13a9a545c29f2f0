import { describe, expect, it } from 'vitest';
import {
  MAX_TABS,
  nextTerminalName,
  parseOpenTabs,
  tabAfterClosing,
  tabFor,
  tabForKey,
  tabLabel,
  tabRefusal,
  terminalOf,
  terminalPath,
} from './terminal-tabs.ts';

/** `main`, then `2`, `3`, … up to `count` tabs. */
const tabs = (count: number) => ['main', ...Array.from({ length: count - 1 }, (_, i) => String(i + 2))];

describe('terminal tabs', () => {
  it('name new terminals 2, 3, … taking the smallest number not open', () => {
    expect(nextTerminalName(['main'])).toBe('2');
    expect(nextTerminalName(['main', '2'])).toBe('3');
    expect(nextTerminalName(['main', '3', 'logs'])).toBe('2');
    expect(nextTerminalName(['main', '2', '3', '4'])).toBe('5');
  });

  it('come back from storage with main first, valid names once, and a shown one that is open', () => {
    expect(parseOpenTabs(JSON.stringify({ names: ['main', '2', 'logs'], shown: 'logs' }))).toEqual({
      names: ['main', '2', 'logs'],
      shown: 'logs',
    });
    expect(
      parseOpenTabs(JSON.stringify({ names: ['2', 'main', '2', 'Bad Name', 7], shown: 'gone' })),
    ).toEqual({ names: ['main', '2'], shown: 'main' });
  });

  it('open at most eight, whoever asks, but an open one is always there to reuse', () => {
    expect(MAX_TABS).toBe(8);
    expect(tabRefusal(tabs(7), 'logs')).toBeUndefined();
    expect(tabRefusal(tabs(8), 'logs')).toBe('the dock holds at most 8 terminals: close one to open logs');
    expect(tabRefusal(tabs(8), '5')).toBeUndefined();
    expect(tabRefusal(tabs(8), 'main')).toBeUndefined();
  });

  it('refuse a name that is not a terminal name', () => {
    expect(tabRefusal(['main'], 'Bad Name')).toMatch(/^"Bad Name" is not a terminal name/);
  });

  it('come back from storage no more than eight, the first ones kept', () => {
    const stored = JSON.stringify({ names: tabs(10), shown: '10' });
    expect(parseOpenTabs(stored)).toEqual({ names: tabs(8), shown: 'main' });
  });

  it('fall back to main alone when nothing or nonsense was stored', () => {
    const mainAlone = { names: ['main'], shown: 'main' };
    expect(parseOpenTabs(null)).toEqual(mainAlone);
    expect(parseOpenTabs('not json')).toEqual(mainAlone);
    expect(parseOpenTabs('null')).toEqual(mainAlone);
    expect(parseOpenTabs('{"names":"main"}')).toEqual(mainAlone);
  });

  it('follow the arrow keys around, and Home and End to either end', () => {
    const names = ['main', '2', '3'];
    expect(tabForKey(names, 'main', 'ArrowRight')).toBe('2');
    expect(tabForKey(names, '3', 'ArrowRight')).toBe('main');
    expect(tabForKey(names, 'main', 'ArrowLeft')).toBe('3');
    expect(tabForKey(names, '3', 'Home')).toBe('main');
    expect(tabForKey(names, 'main', 'End')).toBe('3');
    expect(tabForKey(names, '2', 'a')).toBeUndefined();
    expect(tabForKey(names, 'gone', 'ArrowRight')).toBeUndefined();
  });

  it("name another host's tabs after it, and find each tab's terminal and path", () => {
    expect(tabFor()).toBe('main');
    expect(tabFor('node1', 'logs')).toBe('logs');
    expect(tabFor('node2')).toBe('node2');
    expect(tabFor('node2', 'logs')).toBe('node2:logs');
    expect(terminalOf('node2:logs')).toEqual({ host: 'node2', name: 'logs' });
    expect(terminalOf('node2')).toEqual({ host: 'node2', name: 'main' });
    expect(terminalOf('2')).toEqual({ host: 'node1', name: '2' });
    expect(terminalPath('main')).toBe('/api/session/terminals/main');
    expect(terminalPath('node3:logs')).toBe('/api/session/hosts/node3/terminals/logs');
    expect(tabRefusal(['main'], 'node2:logs')).toBeUndefined();
    for (const bad of ['node2:', 'node2:main', 'node2:Bad', 'node2:a:b']) {
      expect(tabRefusal(['main'], bad), bad).toMatch(/not a terminal name/);
    }
  });

  it("say node1's host on its tabs only once another host's tab is open", () => {
    expect(tabLabel('main', ['main', '2'])).toBe('main');
    expect(tabLabel('main', ['main', 'node2'])).toBe('node1');
    expect(tabLabel('logs', ['main', 'logs', 'node3:logs'])).toBe('node1:logs');
    expect(tabLabel('node2:logs', ['main', 'node2:logs'])).toBe('node2:logs');
  });

  it('show the tab before a closed one', () => {
    expect(tabAfterClosing(['main', '2', '3'], '3')).toBe('2');
    expect(tabAfterClosing(['main', '2', '3'], '2')).toBe('main');
  });
});
