import { describe, expect, it } from 'vitest';
import { underBase } from './rehype-base-path.ts';

describe('links under a base path', () => {
  it.each([
    ['/commands/', '/docs/', '/docs/commands/'],
    ['/key-concepts/#things', '/docs/', '/docs/key-concepts/#things'],
    ['/docs/commands/', '/docs/', '/docs/commands/'], // once
    ['https://docs.docker.com/', '/docs/', 'https://docs.docker.com/'],
    ['//cdn.example/x.js', '/docs/', '//cdn.example/x.js'],
    ['#top', '/docs/', '#top'],
    ['commands/', '/docs/', 'commands/'],
    ['/commands/', '/', '/commands/'],
  ])('%s under %s is %s', (href, base, expected) => {
    expect(underBase(href, base)).toBe(expected);
  });
});
