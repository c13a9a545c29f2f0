import { describe, expect, it } from 'vitest';
import { clampHeight, keyStep, parseLayout } from './dock-layout.ts';

describe('the dock’s layout', () => {
  it('comes back as it was saved', () => {
    expect(parseLayout('{"height":300,"collapsed":true}', 1000)).toEqual({ height: 300, collapsed: true });
  });

  it('starts at 40% of the window, expanded, when nothing or something wrong was saved', () => {
    for (const saved of [null, '', 'not json', 'null', '{"height":"tall","collapsed":"yes"}'])
      expect(parseLayout(saved, 1000), String(saved)).toEqual({ height: 400, collapsed: false });
  });

  it('keeps a height between 160 px and 85% of the window', () => {
    expect(clampHeight(20, 1000)).toBe(160);
    expect(clampHeight(2000, 1000)).toBe(850);
    expect(clampHeight(321.6, 1000)).toBe(322);
  });

  it('grows with the up arrow and shrinks with the down arrow', () => {
    expect(keyStep('ArrowUp')).toBe(24);
    expect(keyStep('ArrowDown')).toBe(-24);
    expect(keyStep('Enter')).toBe(0);
  });
});
