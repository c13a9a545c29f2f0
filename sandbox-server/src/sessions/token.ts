import { createHash, randomBytes } from 'node:crypto';

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * A session is known by the hash of its token, never the token itself: the id ends up in
 * container labels and logs, which must not let anyone who reads them take over the session.
 */
export function sessionIdFor(token: string): string | undefined {
  if (!TOKEN_PATTERN.test(token)) return undefined;
  return createHash('sha256').update(token).digest('hex');
}

export function newToken(): { token: string; id: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, id: sessionIdFor(token) as string };
}
