import { Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import type { Config } from '../config/index.ts';
import {
  type JoinedView,
  MAX_SHARES,
  type NewShareView,
  parseOwnerPage,
  SHARE_KINDS,
  type ShareKind,
  type SharesView,
} from '../contract/sharing.ts';
import { ApiError, jsonOf } from '../errors/index.ts';
import type { SandboxAccess, SandboxLifecycle } from '../sandboxes/driver.ts';
import { type SessionEnv, session, type VisitorOf } from '../sessions/middleware.ts';
import { siteOnly } from '../sessions/origin.ts';
import type { Session } from '../sessions/session.ts';
import type { Sessions } from '../sessions/sessions.ts';
import { newToken } from '../sessions/token.ts';
import { viewRoutes } from '../views/routes.ts';
import { guestCookieName, guestOf, guestVisitor, noSuchShare, sharedView } from './guests.ts';
import type { ShareLink } from './share-links.ts';

/** The one field a body holds, or `invalid_request` saying what it must be. */
function onlyField(body: unknown, field: string, shape: string): unknown {
  const fields = typeof body === 'object' && body !== null && !Array.isArray(body) ? Object.keys(body) : [];
  if (fields.length !== 1 || fields[0] !== field) throw new ApiError('invalid_request', `Send ${shape}.`);
  return (body as Record<string, unknown>)[field];
}

/**
 * The owner's side, under /api/session: making share links, seeing who is connected, revoking
 * them, and telling guests which page the owner is on. Only the owner's cookie reaches these:
 * a guest never holds it, so no guest can make links or end the session.
 */
export function shareRoutes(
  sessions: Sessions,
  driver: Pick<SandboxLifecycle, 'recordShare' | 'forgetShare'>,
  config: Config,
) {
  const owner = session(sessions, { ready: false });
  const revoke = async (s: Session, link: ShareLink) => {
    s.links.revoke(link.address);
    await driver.forgetShare(s.id, link.record.id);
  };
  return (
    new Hono<SessionEnv>()
      // POST and DELETE are checked as every /api/session route is (sessions/routes.ts); PUT here.
      .use('/page', siteOnly(config, "An owner's page is told", ['PUT']))
      .post('/shares', owner, async (c) => {
        const kind = onlyField(jsonOf(await c.req.text()), 'kind', '{"kind":"watch"} or {"kind":"drive"}');
        if (!SHARE_KINDS.includes(kind as ShareKind)) {
          throw new ApiError('invalid_request', 'Send {"kind":"watch"} or {"kind":"drive"}.');
        }
        const s = c.var.session;
        if (s.links.all().length >= MAX_SHARES) {
          throw new ApiError(
            'too_many_shares',
            `A sandbox may have ${MAX_SHARES} share links; revoke one first.`,
          );
        }
        const { token, id } = newToken();
        const record = { id, kind: kind as ShareKind, createdAt: new Date() };
        // Recorded with the sandbox first, so a link a guest is given survives a restart.
        await driver.recordShare(s.id, record);
        const answer: NewShareView = { ...s.links.add(record).view(), token };
        return c.json(answer, 201);
      })
      .get('/shares', owner, (c) => {
        const answer: SharesView = { shares: c.var.session.links.all().map((link) => link.view()) };
        return c.json(answer);
      })
      .delete('/shares/:address', owner, async (c) => {
        const link = c.var.session.links.get(c.req.param('address'));
        if (!link) throw noSuchShare();
        await revoke(c.var.session, link);
        return c.body(null, 204);
      })
      .delete('/shares', owner, async (c) => {
        for (const link of c.var.session.links.all()) await revoke(c.var.session, link);
        return c.body(null, 204);
      })
      .put('/page', owner, async (c) => {
        const page = parseOwnerPage(jsonOf(await c.req.text()));
        if (typeof page === 'string')
          throw new ApiError('invalid_request', `PUT /api/session/page: ${page}.`);
        c.var.session.links.page = page;
        return c.body(null, 204);
      })
  );
}

/**
 * The guest's side, under /api/shared: trading a link's token for the guest cookie, the shared
 * sandbox's state and its views. The terminals are WebSockets (terminals/upgrade.ts).
 */
export function guestRoutes(
  sessions: Sessions,
  driver: SandboxAccess,
  config: Config,
  previewOrigin: (requestUrl: string) => string,
) {
  const secure = config.sessionCookie.secure;
  const guest: VisitorOf = (c) => {
    const found = guestOf(sessions, c.req.param('address'), c.req.header('cookie'));
    if (!found) throw noSuchShare();
    return guestVisitor(found);
  };
  const app = new Hono<SessionEnv>()
    .use('*', siteOnly(config, 'Share links are joined'))
    // The token travels in the body, never in a URL a proxy or a log would keep.
    .post('/', async (c) => {
      const token = onlyField(jsonOf(await c.req.text()), 'token', '{"token":"…"}');
      const found = typeof token === 'string' ? sessions.fromShareToken(token) : undefined;
      if (!found) throw noSuchShare();
      const { link, session: s } = found;
      const maxAge = Math.max(1, Math.floor((s.expiresAt.getTime() - Date.now()) / 1000));
      const cookie = { httpOnly: true, sameSite: 'Strict', secure, maxAge } as const;
      const name = guestCookieName(secure);
      setCookie(c, name, token as string, {
        ...cookie,
        path: `${config.basePath}api/shared/${link.address}`,
      });
      // The preview listener serves at its root, whatever the site's base path.
      setCookie(c, name, token as string, { ...cookie, path: `/preview/${link.address}` });
      const answer: JoinedView = { address: link.address, kind: link.kind };
      return c.json(answer);
    })
    .get('/:address', session(guest, { ready: false }), (c) =>
      c.json(sharedView({ session: c.var.session, link: c.var.link as ShareLink })),
    );
  app.route('/:address', viewRoutes(guest, driver, previewOrigin));
  return app;
}
