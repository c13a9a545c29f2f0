import type { MiddlewareHandler } from 'hono';
import type { Config } from '../config/index.ts';
import { ApiError } from '../errors/index.ts';

/**
 * Whether a browser request's Origin may act on a session. With no origins configured, only the
 * site's own origin (same host as the request) may; a request without an Origin is refused.
 */
export function isAllowedOrigin(
  origin: string | undefined,
  host: string | undefined,
  allowed: string[],
): boolean {
  if (!origin) return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (allowed.length > 0) return allowed.includes(url.origin);
  return host !== undefined && url.host === host.toLowerCase();
}

/**
 * A browser always sends Origin on POST, PUT and DELETE (or at least Sec-Fetch-Site): without either,
 * or from a foreign origin, a request is not the site's own, and may not change a session.
 */
export function siteOnly(
  config: Pick<Config, 'allowedOrigins'>,
  what: string,
  methods: readonly string[] = ['POST', 'DELETE'],
): MiddlewareHandler {
  return async (c, next) => {
    if (methods.includes(c.req.method)) {
      const origin = c.req.header('origin');
      const sameOrigin =
        origin === undefined
          ? c.req.header('sec-fetch-site') === 'same-origin'
          : isAllowedOrigin(origin, c.req.header('host'), config.allowedOrigins);
      if (!sameOrigin) {
        throw new ApiError(
          'forbidden_origin',
          `${what} only from the site itself; this request has no Origin, or another one.`,
        );
      }
    }
    await next();
  };
}
