import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import type { Config } from '../config/index.ts';
import { ApiError } from '../errors/index.ts';
import type { WarmPool } from '../pool/warm-pool.ts';
import { poolAskOf } from './pool-ask.ts';

/** Hashed first, so the comparison takes as long whatever the length of what was sent. */
const digest = (token: string) => createHash('sha256').update(token).digest();

/**
 * /api/admin: what an operator asks of this server, behind `Authorization: Bearer <BERTH_ADMIN_TOKEN>`.
 * Without a token configured it is not served at all (404), so no default secret can be guessed.
 */
export function adminRoutes(
  pool: Pick<WarmPool, 'state' | 'request'>,
  config: Pick<Config, 'adminToken'>,
  now: () => number = Date.now,
) {
  const expected = config.adminToken === undefined ? undefined : digest(config.adminToken);

  return (
    new Hono()
      .use('*', async (c, next) => {
        if (!expected) throw new ApiError('not_found', 'There is no such API.');
        const given = /^Bearer +(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1];
        if (given === undefined || !timingSafeEqual(digest(given), expected)) {
          const refused = new ApiError(
            'unauthorized',
            'The admin API needs Authorization: Bearer <BERTH_ADMIN_TOKEN>; this request has none, or another token.',
          );
          return c.json(refused.toBody(), refused.status, { 'WWW-Authenticate': 'Bearer' });
        }
        await next();
      })
      // GET: the pool's size, why, and what it holds; PUT: a room asked in advance (pool-ask.ts).
      .get('/pool', (c) => c.json(pool.state()))
      .put('/pool', async (c) => {
        pool.request(poolAskOf(await c.req.text(), now()));
        return c.json(pool.state());
      })
      .all('/pool', () => {
        throw new ApiError('method_not_allowed', 'Use GET or PUT on /api/admin/pool.');
      })
  );
}
