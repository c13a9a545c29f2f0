import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cacheControlFor,
  chooseEncoding,
  etagMatches,
  IMMUTABLE,
  REVALIDATE,
  staticSite,
} from './static-site.ts';

const PAGE = `<!doctype html><title>Volumes</title>${'<p>Containers keep their data in volumes.</p>'.repeat(40)}`;
let root: string;
let app: Hono;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'berth-site-'));
  await mkdir(join(root, 'volumes'), { recursive: true });
  await mkdir(join(root, '_astro'), { recursive: true });
  await writeFile(join(root, 'index.html'), '<!doctype html><title>Home</title>');
  await writeFile(join(root, 'volumes', 'index.html'), PAGE);
  await writeFile(
    join(root, '_astro', 'page.abc123.js'),
    `console.log(${JSON.stringify('x'.repeat(2000))});`,
  );
  await writeFile(join(root, 'logo.png'), Buffer.alloc(4096, 7));
  await writeFile(join(root, '.env'), 'SECRET=1');
  await writeFile(join(tmpdir(), 'berth-outside.txt'), 'outside');
  app = new Hono();
  app.use('/*', staticSite(root, '/docs/'));
  app.notFound((c) => c.text('not found', 404));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
  app.request(path, { method, headers });

describe('the static site', () => {
  it('answers a page compressed as the browser takes it, with its length, type and ETag', async () => {
    for (const [accept, encoding, decode] of [
      ['gzip, deflate, br, zstd', 'br', brotliDecompressSync],
      ['gzip', 'gzip', gunzipSync],
    ] as const) {
      const answer = await get('/volumes/', { 'accept-encoding': accept });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-encoding')).toBe(encoding);
      expect(answer.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(answer.headers.get('vary')).toBe('Accept-Encoding');
      expect(answer.headers.get('cache-control')).toBe(REVALIDATE);
      const body = Buffer.from(await answer.arrayBuffer());
      expect(Number(answer.headers.get('content-length'))).toBe(body.length);
      expect(body.length).toBeLessThan(PAGE.length / 4);
      expect(decode(body).toString()).toBe(PAGE);
    }
    const plain = await get('/volumes/');
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.text()).toBe(PAGE);
  });

  it('answers 304 with no body to a revalidation naming the ETag, and 200 when it changed', async () => {
    const first = await get('/volumes/', { 'accept-encoding': 'br' });
    const etag = first.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[\w-]{22}"$/);
    const again = await get('/volumes/', { 'accept-encoding': 'br', 'if-none-match': `W/${etag}` });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect(again.headers.get('etag')).toBe(etag);
    const stale = await get('/volumes/', { 'if-none-match': '"something-older"' });
    expect(stale.status).toBe(200);
  });

  it('keeps hashed assets for a year and leaves images uncompressed', async () => {
    const asset = await get('/_astro/page.abc123.js', { 'accept-encoding': 'br' });
    expect(asset.headers.get('cache-control')).toBe(IMMUTABLE);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const image = await get('/logo.png', { 'accept-encoding': 'br' });
    expect(image.headers.get('content-encoding')).toBeNull();
    expect(image.headers.get('vary')).toBeNull();
    expect((await image.arrayBuffer()).byteLength).toBe(4096);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const head = await get('/volumes/', { 'accept-encoding': 'gzip' }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.get('content-encoding')).toBe('gzip');
    expect(await head.text()).toBe('');
  });

  it('redirects a directory without its slash under the base path, keeping the query', async () => {
    const answer = await get('/volumes?from=search');
    expect(answer.status).toBe(301);
    expect(answer.headers.get('location')).toBe('/docs/volumes/?from=search');
  });

  it('never serves a file outside the site or a hidden one, and passes misses on', async () => {
    for (const path of [
      '/../berth-outside.txt',
      '/%2e%2e/berth-outside.txt',
      '/volumes/%2e%2e/%2e%2e/berth-outside.txt',
      '/..%5cberth-outside.txt',
      '/.env',
      '/%00',
      '/%E0%A4%A',
      '/nowhere/',
      '/nowhere.html',
    ]) {
      const answer = await get(path);
      expect(answer.status, path).toBe(404);
      expect(await answer.text()).toBe('not found');
    }
    expect((await get('/', {}, 'POST')).status).toBe(404);
  });
});

describe('choosing what to answer with', () => {
  it('takes brotli first, then gzip, by the q-values offered', () => {
    expect(chooseEncoding('gzip, deflate, br')).toBe('br');
    expect(chooseEncoding('br;q=0, gzip')).toBe('gzip');
    expect(chooseEncoding('*')).toBe('br');
    expect(chooseEncoding('*;q=0')).toBeUndefined();
    expect(chooseEncoding('identity')).toBeUndefined();
    expect(chooseEncoding(undefined)).toBeUndefined();
  });

  it('matches an ETag weakly, in a list, or by *', () => {
    expect(etagMatches('"a"', '"a"')).toBe(true);
    expect(etagMatches('W/"a"', '"a"')).toBe(true);
    expect(etagMatches('"b", "a"', '"a"')).toBe(true);
    expect(etagMatches('*', '"a"')).toBe(true);
    expect(etagMatches('"b"', '"a"')).toBe(false);
    expect(etagMatches(undefined, '"a"')).toBe(false);
  });

  it('caches only content-hashed paths for good', () => {
    expect(cacheControlFor('/_astro/x.1234.css')).toBe(IMMUTABLE);
    expect(cacheControlFor('/index.html')).toBe(REVALIDATE);
    expect(cacheControlFor('/pagefind/pagefind.js')).toBe(REVALIDATE);
  });
});
