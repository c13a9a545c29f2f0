import { describe, expect, it } from 'vitest';
import { requestHeaders, responseHeaders, rewriteLocation } from './headers.ts';

const target = { port: 5000, prefix: '/preview/abc/5000' };

describe('preview headers', () => {
  it('keep the app’s own redirects inside the preview and leave others alone', () => {
    expect(rewriteLocation('/login', target)).toBe('/preview/abc/5000/login');
    expect(rewriteLocation('/preview/abc/5000/login', target)).toBe('/preview/abc/5000/login');
    expect(rewriteLocation('http://localhost/docs/', target)).toBe('/preview/abc/5000/docs/');
    expect(rewriteLocation('http://127.0.0.1:5000/x?y=1#z', target)).toBe('/preview/abc/5000/x?y=1#z');
    expect(rewriteLocation('http://localhost:6000/x', target)).toBe('http://localhost:6000/x');
    expect(rewriteLocation('https://example.org/', target)).toBe('https://example.org/');
    expect(rewriteLocation('//evil.example/x', target)).toBe('//evil.example/x');
    expect(rewriteLocation('next', target)).toBe('next');
  });

  it('never let the app set a cookie a browser would file as Berth’s, or a nameless one', () => {
    const answer = responseHeaders(
      {
        'set-cookie': [
          'berth_session=evil; Path=/',
          'berth_session =evil',
          '=berth_session=evil',
          'theme=dark; Path=/',
        ],
      },
      target,
    );
    expect(answer['set-cookie']).toEqual(['theme=dark; Path=/']);
  });

  it('send the app its own cookies only, without the hop-by-hop headers, addressed to localhost', () => {
    const headers = requestHeaders(
      {
        host: 'docs.example:8081',
        cookie: 'theme=dark; berth_session=secret; berth_session =secret2',
        connection: 'keep-alive, x-private',
        'x-private': 'hop',
        'keep-alive': '5',
        accept: 'text/html',
      },
      target,
    );
    expect(headers).toEqual({
      host: 'localhost:5000',
      cookie: 'theme=dark',
      accept: 'text/html',
      'x-forwarded-host': 'docs.example:8081',
      'x-forwarded-prefix': '/preview/abc/5000',
    });
  });
});
