import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Inline scripts the browser runs (not JSON data blocks, not scripts loaded by `src`). */
const INLINE_SCRIPT =
  /<script(?![^>]*\bsrc=)(?![^>]*\btype="application\/(?:ld\+)?json")[^>]*>([\s\S]*?)<\/script>/g;

/** Every HTML file under `dir`. */
function htmlFiles(dir: string): string[] {
  let entries: { name: string; isDirectory(): boolean }[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return []; // no site built: nothing to serve, nothing to allow
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return htmlFiles(path);
    return entry.name.endsWith('.html') ? [path] : [];
  });
}

/** The CSP sources of the built site's inline scripts (Starlight's theme and its own), by hash. */
export function inlineScriptHashes(siteDir: string): string[] {
  const hashes = new Set<string>();
  for (const file of htmlFiles(siteDir)) {
    for (const [, body = ''] of readFileSync(file, 'utf8').matchAll(INLINE_SCRIPT)) {
      hashes.add(`'sha256-${createHash('sha256').update(body).digest('base64')}'`);
    }
  }
  return [...hashes].sort();
}

/**
 * The headers every answer of the site carries. Scripts only from the site itself and the inline
 * ones it was built with; no framing (the dock types into a root shell: clickjacking would be
 * typing for the reader); WebSockets and fetches to the site's own origin only; styles inline too
 * (xterm draws with <style> elements); WebAssembly for the search index.
 */
export function siteHeaders(siteDir: string, https: boolean): Record<string, string> {
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'wasm-unsafe-eval' ${inlineScriptHashes(siteDir).join(' ')}`.trim(),
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'same-origin',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    ...(https ? { 'strict-transport-security': 'max-age=31536000' } : {}),
  };
}

/**
 * What the preview adds to an app's answers. The app's own pages are its business, but the reader's
 * cookie reaches the preview: no other site may embed its answers (CORP) or frame its pages, and
 * links out do not carry preview addresses in Referer.
 */
export const PREVIEW_HEADERS = {
  'cross-origin-resource-policy': 'same-origin',
  'content-security-policy': "frame-ancestors 'self'",
  'referrer-policy': 'same-origin',
} as const;
