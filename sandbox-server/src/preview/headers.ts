import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { PREVIEW_HEADERS } from '../requests/security-headers.ts';
import { cookieName, SESSION_COOKIE_NAMES } from '../sessions/cookie.ts';
import { GUEST_COOKIE, SECURE_GUEST_COOKIE } from '../sharing/guests.ts';

/** Berth's own cookies: an owner's session, a guest's link. Neither reaches an app, nor may an app set one. */
const BERTH_COOKIES = [...SESSION_COOKIE_NAMES, GUEST_COOKIE, SECURE_GUEST_COOKIE];

/** Where a preview sends a request: the port in the sandbox, and the address prefix it is served under. */
export type PreviewTarget = { port: number; prefix: string };

/** Headers about one hop only (RFC 9110 §7.6.1), never forwarded; `Connection` may name more. */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

function endToEnd(incoming: IncomingHttpHeaders): IncomingHttpHeaders {
  const named = String(incoming.connection ?? '')
    .split(',')
    .map((token) => token.trim().toLowerCase());
  const dropped = new Set([...HOP_BY_HOP, ...named]);
  const headers: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (!dropped.has(name) && value !== undefined) headers[name] = value;
  }
  return headers;
}

/** The reader's request as the app should see it: addressed to localhost:<port>, without Berth's cookies. */
export function requestHeaders(incoming: IncomingHttpHeaders, target: PreviewTarget): IncomingHttpHeaders {
  const headers = endToEnd(incoming);
  const cookies = (incoming.cookie ?? '')
    .split(';')
    .filter((pair) => pair.trim() !== '' && !BERTH_COOKIES.includes(cookieName(pair)))
    .map((pair) => pair.trim());
  if (cookies.length > 0) headers.cookie = cookies.join('; ');
  else delete headers.cookie;
  if (incoming.host !== undefined) headers['x-forwarded-host'] = incoming.host;
  headers['x-forwarded-prefix'] = target.prefix;
  headers.host = `localhost:${target.port}`;
  return headers;
}

/**
 * The app's answer as the browser should see it: redirects kept under the preview, and no cookie
 * that a browser would file as Berth's (cookies are not bound to a port) or as nameless.
 */
export function responseHeaders(incoming: IncomingHttpHeaders, target: PreviewTarget): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = endToEnd(incoming);
  if (incoming.location !== undefined) headers.location = rewriteLocation(incoming.location, target);
  const setCookie = (incoming['set-cookie'] ?? []).filter((line) => {
    const name = cookieName(line);
    return name !== '' && !BERTH_COOKIES.includes(name);
  });
  if (setCookie.length > 0) headers['set-cookie'] = setCookie;
  else delete headers['set-cookie'];
  // The preview's own policy beside the app's (a comma makes two policies): a second only narrows.
  const csp = incoming['content-security-policy'];
  const own = PREVIEW_HEADERS['content-security-policy'];
  headers['content-security-policy'] = csp === undefined ? own : `${csp}, ${own}`;
  headers['cross-origin-resource-policy'] = PREVIEW_HEADERS['cross-origin-resource-policy'];
  headers['referrer-policy'] ??= PREVIEW_HEADERS['referrer-policy'];
  return headers;
}

/**
 * A redirect to the app's own root-relative or localhost address stays inside the preview. Apps
 * often name their own port, not the published one (nginx says http://localhost/docs/), so a
 * localhost address without a port counts as the app's too. An app that already honours
 * X-Forwarded-Prefix is left alone.
 */
export function rewriteLocation(location: string, target: PreviewTarget): string {
  if (location === target.prefix || location.startsWith(`${target.prefix}/`)) return location;
  if (location.startsWith('/') && !location.startsWith('//')) return `${target.prefix}${location}`;
  try {
    const url = new URL(location);
    const local = ['localhost', '127.0.0.1'].includes(url.hostname);
    if (local && (url.port === '' || Number(url.port) === target.port)) {
      return `${target.prefix}${url.pathname}${url.search}${url.hash}`;
    }
  } catch {
    // A relative location without a leading slash resolves correctly as it is.
  }
  return location;
}
