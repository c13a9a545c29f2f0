import { timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { ApiError } from '../errors/index.ts';
import type { Metrics } from './index.ts';

/**
 * `/metrics` in Prometheus's text format; with a token, only for `Authorization: Bearer <token>`
 * (compared in constant time: the token is the one secret between the server and its scraper).
 */
export function metricsHandler(metrics: Metrics, token?: string) {
  const expected = token === undefined ? undefined : Buffer.from(`Bearer ${token}`);
  return async (c: Context) => {
    if (expected) {
      const given = Buffer.from(c.req.header('authorization') ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        c.header('WWW-Authenticate', 'Bearer realm="berth metrics"');
        throw new ApiError('unauthorized', 'The metrics need the token of BERTH_METRICS_TOKEN.');
      }
    }
    c.header('Content-Type', metrics.registry.contentType);
    c.header('Cache-Control', 'no-store');
    return c.body(await metrics.registry.metrics());
  };
}
