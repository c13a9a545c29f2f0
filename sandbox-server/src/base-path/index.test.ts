import { describe, expect, it } from 'vitest';
import { toAppPath } from './index.ts';

const appPath = (url: string, base: string) => {
  const req = { url };
  return toAppPath(req, base) ? req.url : undefined;
};

describe('a base path', () => {
  it('hands the app what is under it as if at the root', () => {
    expect(appPath('/docs/api/session', '/docs/')).toBe('/api/session');
    expect(appPath('/docs/commands/?x=1', '/docs/')).toBe('/commands/?x=1');
    expect(appPath('/docs/', '/docs/')).toBe('/');
    expect(appPath('/docs', '/docs/')).toBe('/');
    expect(appPath('/docs?a=b', '/docs/')).toBe('/?a=b');
    expect(appPath('/a/b/api/session', '/a/b/')).toBe('/api/session');
  });

  it('keeps the probes at the root, and nothing else', () => {
    expect(appPath('/healthz', '/docs/')).toBe('/healthz');
    expect(appPath('/metrics', '/docs/')).toBe('/metrics');
    expect(appPath('/api/session', '/docs/')).toBeUndefined();
    expect(appPath('/docsx/api', '/docs/')).toBeUndefined();
    expect(appPath('/', '/docs/')).toBeUndefined();
  });

  it('changes nothing at the root', () => {
    expect(appPath('/api/session', '/')).toBe('/api/session');
  });
});
