/**
 * The built site, served as a static host would: compressed (brotli or gzip, as the browser
 * takes them), with an ETag on every file so a page is revalidated in one round trip with no body,
 * and the hashed `/_astro/*` assets cached for a year: their names change when they do.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { Context, MiddlewareHandler } from 'hono';
import { getMimeType } from 'hono/utils/mime';

const brotli = promisify(brotliCompress);
const gzipped = promisify(gzip);

/** Text compresses; images, fonts and Pagefind's own (already gzipped) index do not. */
const compresses = (type: string) => /^text\/|json|xml|svg|manifest|javascript/.test(type);
/** Below this a compressed answer saves less than its headers cost. */
const MIN_COMPRESS_BYTES = 512;

/** Content-hashed names (Astro's build output): safe to keep until the name changes. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Everything else: kept, but asked about again (a 304 when unchanged) before each use. */
export const REVALIDATE = 'no-cache';

type Encoding = 'br' | 'gzip';

type SiteFile = {
  body: Buffer;
  type: string;
  etag: string;
  compressed: Map<Encoding, Promise<Buffer>>;
};

/** The encoding to answer in, by the browser's Accept-Encoding: brotli first, then gzip. */
export function chooseEncoding(accept: string | undefined): Encoding | undefined {
  const offered = new Map<string, number>();
  for (const part of (accept ?? '').toLowerCase().split(',')) {
    const [name = '', ...params] = part.trim().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
    offered.set(name.trim(), q === undefined ? 1 : Number(q));
  }
  const takes = (name: Encoding) => (offered.get(name) ?? offered.get('*') ?? 0) > 0;
  if (takes('br')) return 'br';
  if (takes('gzip')) return 'gzip';
  return undefined;
}

/** Whether `If-None-Match` names this ETag (or `*`), as a weak comparison does. */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || bare(tag) === bare(etag));
}

/** How long a path may be cached: its name says whether its content can change under it. */
export function cacheControlFor(path: string): string {
  return path.startsWith('/_astro/') ? IMMUTABLE : REVALIDATE;
}

/**
 * Serves files under `root` for GET and HEAD; anything else, or no such file, goes on to the next
 * handler (the 404 page). `/volumes` is redirected to `/volumes/` under `basePath`, as the site's
 * own links have it. Files are read once and kept, as a built site does not change under a
 * running server.
 */
export function staticSite(root: string, basePath: string): MiddlewareHandler {
  const files = new Map<string, Promise<SiteFile | undefined>>();
  const load = (file: string): Promise<SiteFile | undefined> => {
    let found = files.get(file);
    if (!found) {
      found = readSiteFile(file);
      files.set(file, found);
      // Only files are kept: a crawler's made-up paths must not grow the map.
      void found.then((read) => read ?? files.delete(file));
    }
    return found;
  };
  return async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return next();
    const path = sitePathOf(c.req.path);
    if (!path) return next();
    const direct = path.endsWith('/') ? join(root, path, 'index.html') : join(root, path);
    const file = await load(direct);
    if (!file && !path.endsWith('/') && !extname(path) && (await load(join(root, path, 'index.html')))) {
      const query = new URL(c.req.url).search;
      return c.redirect(`${basePath}${path.slice(1)}/${query}`, 301);
    }
    if (!file) return next();
    return answer(c, path, file);
  };

  async function answer(c: Context, path: string, file: SiteFile): Promise<Response> {
    const headers: Record<string, string> = {
      'Content-Type': file.type,
      ETag: file.etag,
      'Cache-Control': cacheControlFor(path),
    };
    const compressible = compresses(file.type);
    if (compressible) headers.Vary = 'Accept-Encoding';
    if (etagMatches(c.req.header('if-none-match'), file.etag)) return c.body(null, 304, headers);
    const encoding =
      compressible && file.body.length >= MIN_COMPRESS_BYTES
        ? chooseEncoding(c.req.header('accept-encoding'))
        : undefined;
    let body = file.body;
    if (encoding) {
      body = await compressedOf(file, encoding);
      headers['Content-Encoding'] = encoding;
    }
    headers['Content-Length'] = String(body.length);
    if (c.req.method === 'HEAD') return c.body(null, 200, headers);
    return c.body(new Uint8Array(body), 200, headers);
  }
}

/** The request's path as a file path inside the site, or undefined for one that would leave it. */
function sitePathOf(requestPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(requestPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const normal = normalize(decoded).split(sep).join('/');
  if (!normal.startsWith('/') || normal.split('/').some((part) => part === '..' || part.startsWith('.')))
    return undefined;
  return normal;
}

async function readSiteFile(file: string): Promise<SiteFile | undefined> {
  try {
    // A folder fails to read (EISDIR) like a missing file: neither is a file to serve.
    const body = await readFile(file);
    const hash = createHash('sha256').update(body).digest('base64url').slice(0, 22);
    const type = getMimeType(file) ?? 'application/octet-stream';
    return { body, type, etag: `"${hash}"`, compressed: new Map() };
  } catch {
    return undefined;
  }
}

/** The file compressed once per encoding, off the event loop, and kept. */
function compressedOf(file: SiteFile, encoding: Encoding): Promise<Buffer> {
  let done = file.compressed.get(encoding);
  if (!done) {
    done =
      encoding === 'br'
        ? brotli(file.body, {
            params: {
              [constants.BROTLI_PARAM_QUALITY]: 9,
              [constants.BROTLI_PARAM_SIZE_HINT]: file.body.length,
            },
          })
        : gzipped(file.body, { level: 9 });
    file.compressed.set(encoding, done);
  }
  return done;
}
