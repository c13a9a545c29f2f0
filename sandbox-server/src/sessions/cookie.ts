import { COOKIE_NAME, SECURE_COOKIE_NAME } from '../config/session-cookie.ts';
import { ApiError } from '../errors/index.ts';

/** Every name a browser may hold a Berth session under; the preview passes neither on. */
export const SESSION_COOKIE_NAMES: readonly string[] = [COOKIE_NAME, SECURE_COOKIE_NAME];

/**
 * A cookie's name as browsers read it (RFC 6265 §5.2): the text before the first `=` of the first
 * `;`-part, trimmed; no `=` at all makes a nameless cookie.
 */
export function cookieName(pair: string): string {
  const first = pair.split(';')[0] ?? '';
  const equals = first.indexOf('=');
  return equals < 0 ? '' : first.slice(0, equals).trim();
}

/** The values a Cookie header carries under any of `names`, in the order sent. */
export function cookieValues(cookieHeader: string | undefined, names: readonly string[]): string[] {
  return (cookieHeader ?? '')
    .split(';')
    .filter((pair) => names.includes(cookieName(pair)))
    .map((pair) => pair.slice(pair.indexOf('=') + 1).trim());
}

/**
 * The session token a Cookie header carries under `name`. Two of them mean a page elsewhere on this
 * host (a previewed app: browsers do not keep cookies apart by port) set one for a longer path, so
 * that it is sent first: neither is believed.
 */
export function sessionToken(cookieHeader: string | undefined, name: string): string | undefined {
  const values = cookieValues(cookieHeader, [name]);
  if (values.length > 1) {
    throw new ApiError(
      'ambiguous_session',
      'This browser sent two session cookies: a page on another port of this host set one. Clear the cookies of this site and start again.',
    );
  }
  return values[0];
}
