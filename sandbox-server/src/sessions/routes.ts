import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Config } from '../config/index.ts';
import { ApiError } from '../errors/index.ts';
import { clientAddress, trustedProxies } from './client-address.ts';
import { isAllowedOrigin } from './origin.ts';
import type { Sessions } from './sessions.ts';
import { COOKIE_NAME } from './token.ts';

/** POST, GET and DELETE /api/session: a reader's session and its sandbox. */
export function sessionRoutes(sessions: Sessions, config: Config) {
  const proxies = trustedProxies(config.trustedProxies);
  const view = (session: NonNullable<ReturnType<Sessions['find']>>) =>
    session.view(config.idleTimeoutSeconds);

  return (
    new Hono()
      // A browser always sends Origin on these methods; refusing foreign ones stops cross-site use of a session.
      .use('*', async (c, next) => {
        const origin = c.req.header('origin');
        if (c.req.method !== 'GET' && origin !== undefined) {
          if (!isAllowedOrigin(origin, c.req.header('host'), config.allowedOrigins)) {
            throw new ApiError('forbidden_origin', 'This Origin may not change sessions.');
          }
        }
        await next();
      })
      .post('/', async (c) => {
        const text = await c.req.text();
        if (text.trim() !== '') {
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            throw new ApiError('invalid_json', 'The request body is not valid JSON.');
          }
          if (
            typeof body !== 'object' ||
            body === null ||
            Array.isArray(body) ||
            Object.keys(body).length > 0
          ) {
            throw new ApiError('invalid_request', 'POST /api/session takes no options: send no body or {}.');
          }
        }
        const existing = sessions.find(getCookie(c, COOKIE_NAME));
        if (existing) return c.json(view(existing), 200);
        const peer = getConnInfo(c).remote.address ?? 'unknown';
        const client = clientAddress(peer, c.req.header('x-forwarded-for'), proxies);
        const { session, token } = await sessions.create(client);
        setCookie(c, COOKIE_NAME, token, {
          path: config.basePath,
          httpOnly: true,
          sameSite: 'Lax',
          // Behind a TLS proxy the request itself is http: the public URL says what readers use.
          secure: (config.publicUrl ?? new URL(c.req.url)).protocol === 'https:',
          maxAge: config.lifetimeSeconds,
        });
        return c.json(view(session), 201);
      })
      .get('/', (c) => {
        const session = sessions.find(getCookie(c, COOKIE_NAME));
        if (!session) throw new ApiError('no_session', 'There is no live session for this browser.');
        return c.json(view(session), 200);
      })
      .delete('/', async (c) => {
        const session = sessions.find(getCookie(c, COOKIE_NAME));
        if (!session) throw new ApiError('no_session', 'There is no live session for this browser.');
        await sessions.end(session, 'deleted');
        deleteCookie(c, COOKIE_NAME, { path: config.basePath });
        return c.body(null, 204);
      })
      .all('/', () => {
        throw new ApiError('method_not_allowed', 'Use POST, GET or DELETE on /api/session.');
      })
  );
}
