import { createMiddleware } from 'hono/factory';
import type { Session } from './session.ts';
import type { Sessions } from './sessions.ts';

/** What a route behind `session()` may read: `c.var.session`, the request's live session. */
export type SessionEnv = { Variables: { session: Session } };

/**
 * Looks up the session the request's cookie names and sets `c.var.session`, or answers
 * `no_session`; with `ready`, `sandbox_starting` too while its sandbox starts. The terminal upgrade
 * and the preview, which are not Hono routes, use Sessions.fromCookie (and whenReady) directly.
 */
export function session(sessions: Sessions, { ready }: { ready: boolean }) {
  return createMiddleware<SessionEnv>(async (c, next) => {
    const cookie = c.req.header('cookie');
    c.set('session', ready ? sessions.readyFromCookie(cookie) : sessions.liveFromCookie(cookie));
    await next();
  });
}
