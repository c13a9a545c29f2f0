import { describe, expect, it } from 'vitest';
import { underBase } from './rehype-base-path.ts';

describe('links under a base path', () => {
  it('puts the base in front of root-relative links only, once', () => {
    expect(underBase('/commands/', '/docs/')).toBe('/docs/commands/');
    expect(underBase('/key-concepts/#things', '/docs/')).toBe('/docs/key-concepts/#things');
    expect(underBase('/docs/commands/', '/docs/')).toBe('/docs/commands/');
    expect(underBase('https://docs.docker.com/', '/docs/')).toBe('https://docs.docker.com/');
    expect(underBase('//cdn.example/x.js', '/docs/')).toBe('//cdn.example/x.js');
    expect(underBase('#top', '/docs/')).toBe('#top');
    expect(underBase('commands/', '/docs/')).toBe('commands/');
    expect(underBase('/commands/', '/')).toBe('/commands/');
  });
});
