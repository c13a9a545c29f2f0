/** The cookie that carries a reader's session token, where it cannot be a `__Host-` one. */
export const COOKIE_NAME = 'berth_session';

/**
 * The session cookie's name under https at the site's root: a `__Host-` cookie is one a browser
 * keeps only if it is Secure, has Path=/ and names no Domain, so no other host can plant it.
 */
export const SECURE_COOKIE_NAME = `__Host-${COOKIE_NAME}`;

/** The session cookie of a server reached at `publicUrl` (when set) and served under `basePath`. */
export function sessionCookie(
  publicUrl: URL | undefined,
  basePath: string,
): { name: string; secure: boolean } {
  const secure = publicUrl?.protocol === 'https:';
  return { name: secure && basePath === '/' ? SECURE_COOKIE_NAME : COOKIE_NAME, secure };
}
