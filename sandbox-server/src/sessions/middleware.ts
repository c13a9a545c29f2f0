import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { ApiError } from '../errors/index.ts';
import { previewIdFor } from '../preview/preview-path.ts';
import type { ShareLink } from '../sharing/share-links.ts';
import type { Session } from './session.ts';
import { type Sessions, whenReady } from './sessions.ts';
import type { WorkBudget } from './work-budget.ts';

/**
 * Who a request acts for: the session, the budget its work in the sandbox draws on, and where its
 * previews live. The owner's are the session's own; a guest's are its share link's (sharing/).
 */
export type Visitor = { session: Session; execs: WorkBudget; previewId: string; link?: ShareLink };

/** What a route behind `session()` may read: `c.var.session`, `.execs`, `.previewId`, a guest's `.link`. */
export type SessionEnv = { Variables: Visitor };

/** Finds the visitor a request is for, or throws the error that says why there is none. */
export type VisitorOf = (c: Context) => Visitor;

/** The owner: the session the request's cookie names. */
export function byCookie(sessions: Sessions): VisitorOf {
  return (c) => {
    const found = sessions.fromCookie(c.req.header('cookie'));
    if (!found) throw new ApiError('no_session', 'There is no live session for this browser.');
    return { session: found, execs: found.execs, previewId: previewIdFor(found.id) };
  };
}

/**
 * Sets the request's visitor (`byCookie(sessions)` unless another finder is given), or answers
 * with the finder's error; with `ready`, `sandbox_starting` too while its sandbox starts. The
 * terminal upgrade and the preview, which are not Hono routes, and the terminal routes, which
 * check the origin first as the upgrade does (terminals/request.ts), look it up themselves.
 */
export function session(find: Sessions | VisitorOf, { ready }: { ready: boolean }) {
  const visitorOf = typeof find === 'function' ? find : byCookie(find);
  return createMiddleware<SessionEnv>(async (c, next) => {
    const visitor = visitorOf(c);
    if (ready) whenReady(visitor.session);
    c.set('session', visitor.session);
    c.set('execs', visitor.execs);
    c.set('previewId', visitor.previewId);
    if (visitor.link) c.set('link', visitor.link);
    await next();
  });
}
