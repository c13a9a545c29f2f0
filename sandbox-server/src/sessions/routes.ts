import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import type { Config } from '../config/index.ts';
import { ApiError, jsonOf } from '../errors/index.ts';
import { clientAddress, clientKey, trustedProxies } from './client-address.ts';
import { type SessionEnv, session } from './middleware.ts';
import { siteOnly } from './origin.ts';
import type { Session } from './session.ts';
import type { Sessions } from './sessions.ts';

/** POST, GET and DELETE /api/session: a reader's session and its sandbox. */
export function sessionRoutes(sessions: Sessions, config: Config) {
  const proxies = trustedProxies(config.trustedProxies);
  const view = (session: Session) =>
    session.view({ idleTimeoutSeconds: config.idleTimeoutSeconds, maxHosts: config.sandbox.hostsPerReader });

  return new Hono<SessionEnv>()
    .use('*', siteOnly(config, 'Sessions are made and ended'))
    .post('/', async (c) => {
      const text = await c.req.text();
      if (text.trim() !== '') {
        const body = jsonOf(text);
        if (
          typeof body !== 'object' ||
          body === null ||
          Array.isArray(body) ||
          Object.keys(body).length > 0
        ) {
          throw new ApiError('invalid_request', 'POST /api/session takes no options: send no body or {}.');
        }
      }
      const existing = sessions.fromCookie(c.req.header('cookie'));
      if (existing) return c.json(view(existing), 200);
      const peer = getConnInfo(c).remote.address ?? 'unknown';
      const client = clientKey(clientAddress(peer, c.req.header('x-forwarded-for'), proxies));
      const created = await sessions.create(client);
      setCookie(c, config.sessionCookie.name, created.token, {
        path: config.basePath,
        httpOnly: true,
        sameSite: 'Lax',
        // Behind a TLS proxy the request itself is http: the public URL says what readers use.
        secure: config.sessionCookie.secure,
        maxAge: config.lifetimeSeconds,
      });
      return c.json(view(created.session), 201);
    })
    .get('/', session(sessions, { ready: false }), (c) => c.json(view(c.var.session), 200))
    .delete('/', session(sessions, { ready: false }), async (c) => {
      await sessions.end(c.var.session, 'deleted');
      deleteCookie(c, config.sessionCookie.name, {
        path: config.basePath,
        secure: config.sessionCookie.secure,
      });
      return c.body(null, 204);
    })
    .all('/', () => {
      throw new ApiError('method_not_allowed', 'Use POST, GET or DELETE on /api/session.');
    });
}
