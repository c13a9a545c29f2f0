import { createMiddleware } from 'hono/factory';
import { ApiError } from '../errors/index.ts';
import type { Session } from './session.ts';
import { type Sessions, whenReady } from './sessions.ts';

/** What a route behind `session()` may read: `c.var.session`, the request's live session. */
export type SessionEnv = { Variables: { session: Session } };

/**
 * Looks up the session the request's cookie names and sets `c.var.session`, or answers
 * `no_session`; with `ready`, `sandbox_starting` too while its sandbox starts. The terminal
 * upgrade and the preview, which are not Hono routes, and the terminal routes, which check the
 * origin first as the upgrade does (terminals/request.ts), look it up with Sessions.fromCookie.
 */
export function session(sessions: Sessions, { ready }: { ready: boolean }) {
  return createMiddleware<SessionEnv>(async (c, next) => {
    const found = sessions.fromCookie(c.req.header('cookie'));
    if (!found) throw new ApiError('no_session', 'There is no live session for this browser.');
    c.set('session', ready ? whenReady(found) : found);
    await next();
  });
}
