import { Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import type { Config } from '../config/index.ts';
import {
  type JoinedView,
  MAX_SHARES,
  type NewShareView,
  parseOwnerPage,
  SHARE_KINDS,
  type SharedSessionView,
  type ShareKind,
  type SharesView,
} from '../contract/sharing.ts';
import { ApiError } from '../errors/index.ts';
import type { SandboxAccess, SandboxLifecycle } from '../sandboxes/driver.ts';
import { type HostName, hostNumber, isHostName } from '../sandboxes/hosts.ts';
import { type SessionEnv, session, type VisitorOf } from '../sessions/middleware.ts';
import { siteOnly } from '../sessions/origin.ts';
import type { Session } from '../sessions/session.ts';
import type { Sessions } from '../sessions/sessions.ts';
import { newToken } from '../sessions/token.ts';
import { viewRoutes } from '../views/routes.ts';
import { guestCookieName, guestOf, guestVisitor, noSuchShare } from './guests.ts';
import type { ShareLink } from './share-links.ts';

async function jsonBody(text: string): Promise<unknown> {
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError('invalid_json', 'The request body is not valid JSON.');
  }
}

/** The one field a body holds, or `invalid_request` saying what it must be. */
function onlyField(body: unknown, field: string, shape: string): unknown {
  const fields = typeof body === 'object' && body !== null && !Array.isArray(body) ? Object.keys(body) : [];
  if (fields.length !== 1 || fields[0] !== field) throw new ApiError('invalid_request', `Send ${shape}.`);
  return (body as Record<string, unknown>)[field];
}

/** The terminals a guest may attach to: those the owner opened, node1's main always. */
function sharedTerminals(session: Session) {
  const terminals = new Set(['node1/main', ...session.terminals]);
  return [...terminals]
    .map((key) => {
      const [host = '', name = ''] = key.split('/');
      return { host, name };
    })
    .filter(({ host }) => isHostName(host) && session.hosts.has(host))
    .sort((a, b) => hostNumber(a.host as HostName) - hostNumber(b.host as HostName));
}

/** The sandbox as a link's guests see it (GET /api/shared/:address). */
export function sharedView(session: Session, link: ShareLink, maxHosts: number): SharedSessionView {
  const { state, expiresAt, hosts } = session.view({ idleTimeoutSeconds: 0, maxHosts });
  const view: SharedSessionView = {
    address: link.address,
    kind: link.kind,
    state,
    expiresAt,
    hosts,
    terminals: sharedTerminals(session),
  };
  const { page } = session.links;
  if (page) view.page = page;
  return view;
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
  return new Hono<SessionEnv>()
    .use('*', siteOnly(config, 'Share links are made and ended'))
    .use('/page', siteOnly(config, "An owner's page is told", ['PUT']))
    .post('/shares', owner, async (c) => {
      const kind = onlyField(
        await jsonBody(await c.req.text()),
        'kind',
        '{"kind":"watch"} or {"kind":"drive"}',
      );
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
      const page = parseOwnerPage(await jsonBody(await c.req.text()));
      if (typeof page === 'string') throw new ApiError('invalid_request', `PUT /api/session/page: ${page}.`);
      c.var.session.links.page = page;
      return c.body(null, 204);
    });
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
      const token = onlyField(await jsonBody(await c.req.text()), 'token', '{"token":"…"}');
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
    .get('/:address', session(guest, { ready: false }), (c) => {
      const link = c.var.session.links.get(c.req.param('address'));
      if (!link) throw noSuchShare();
      return c.json(sharedView(c.var.session, link, config.sandbox.hostsPerReader));
    });
  app.route('/:address', viewRoutes(guest, driver, previewOrigin));
  return app;
}
