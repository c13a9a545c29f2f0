import { describe, expect, it } from 'vitest';
import { fittedText, humanSize, listing, truncate } from './scene.ts';

describe('sizes', () => {
  it('reads like Docker’s: decimal units, three significant digits', () => {
    expect(humanSize(0)).toBe('0 B');
    expect(humanSize(999)).toBe('999 B');
    expect(humanSize(1000)).toBe('1 kB');
    expect(humanSize(2_148)).toBe('2.15 kB');
    expect(humanSize(74_812_345)).toBe('74.8 MB');
    expect(humanSize(999_999)).toBe('1 MB');
    expect(humanSize(1_234_567_890)).toBe('1.23 GB');
  });
});

describe('text that must fit', () => {
  it('is cut with an ellipsis at the end, or at the start for paths', () => {
    expect(truncate('short', 10)).toBe('short');
    expect(truncate('abcdefghij', 5)).toBe('abcd…');
    expect(truncate('/var/cache/nginx/proxy', 10, 'start')).toBe('…inx/proxy');
  });

  it('keeps the whole text as a tooltip only when it was cut', () => {
    expect(fittedText('web', 10, { x: 0, y: 0 })).toEqual({ kind: 'text', x: 0, y: 0, text: 'web' });
    expect(fittedText('a-long-name', 5, { x: 0, y: 0 })).toMatchObject({
      text: 'a-lo…',
      full: 'a-long-name',
    });
  });
});

describe('listing', () => {
  it('joins with commas and a final “and”', () => {
    expect(listing([])).toBe('');
    expect(listing(['a'])).toBe('a');
    expect(listing(['a', 'b', 'c'])).toBe('a, b and c');
  });
});
