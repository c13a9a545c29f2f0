import { Hono } from 'hono';
import type { Config } from '../config/index.ts';
import type { HostsView } from '../contract/session.ts';
import { ApiError, jsonOf } from '../errors/index.ts';
import { type SessionEnv, session } from './middleware.ts';
import { siteOnly } from './origin.ts';
import type { Session } from './session.ts';
import type { Sessions } from './sessions.ts';

/** `{}` or `{"atLeast": N}`: how many hosts the reader wants in all, or undefined for one more. */
export function atLeastOf(text: string, maxHosts: number): number | undefined {
  if (text.trim() === '') return undefined;
  const body = jsonOf(text);
  const refuse = () =>
    new ApiError(
      'invalid_request',
      `POST /api/session/hosts takes no body, {} for one more host, or {"atLeast": N} with N from 1 to ${maxHosts}.`,
    );
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw refuse();
  const keys = Object.keys(body);
  if (keys.length === 0) return undefined;
  const atLeast = (body as { atLeast?: unknown }).atLeast;
  if (keys.length > 1 || !Number.isInteger(atLeast) || (atLeast as number) < 1) throw refuse();
  return atLeast as number;
}

/**
 * POST /api/session/hosts (add a host, or enough for a page's `hosts:`) and DELETE
 * /api/session/hosts/:host: the reader's hosts beside node1. A new host starts in the background,
 * through the admission queue; its terminals wait for it as node1's wait for the session.
 */
export function hostRoutes(sessions: Sessions, config: Config) {
  const maxHosts = config.sandbox.hostsPerReader;
  const view = (s: Session, adding: string[]): HostsView => ({
    hosts: s.view({ idleTimeoutSeconds: config.idleTimeoutSeconds, maxHosts }).hosts,
    maxHosts,
    adding,
  });
  return new Hono<SessionEnv>()
    .use('/hosts/*', siteOnly(config, 'Hosts are added and removed'))
    .use('/hosts', siteOnly(config, 'Hosts are added and removed'))
    .post('/hosts', session(sessions, { ready: true }), async (c) => {
      const atLeast = atLeastOf(await c.req.text(), maxHosts);
      const adding = sessions.addHosts(c.var.session, atLeast);
      return c.json(view(c.var.session, adding), adding.length > 0 ? 202 : 200);
    })
    .delete('/hosts/:host', session(sessions, { ready: false }), async (c) => {
      await sessions.removeHost(c.var.session, c.var.session.hostNamed(c.req.param('host')));
      return c.json(view(c.var.session, []), 200);
    })
    .all('/hosts', () => {
      throw new ApiError(
        'method_not_allowed',
        'Use POST on /api/session/hosts, DELETE on /api/session/hosts/:host.',
      );
    });
}
