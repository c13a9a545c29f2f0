import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from 'pino';
import { adminRoutes } from './admin/routes.ts';
import type { Config } from './config/index.ts';
import { ApiError } from './errors/index.ts';
import { apiErrorOf } from './errors/sandbox-errors.ts';
import type { Metrics } from './metrics/index.ts';
import { pullRoutes } from './pulls/routes.ts';
import { siteHeaders } from './requests/security-headers.ts';
import { type SandboxDriver, SandboxError } from './sandboxes/driver.ts';
import { hostRoutes } from './sessions/host-routes.ts';
import { sessionRoutes } from './sessions/routes.ts';
import type { Sessions } from './sessions/sessions.ts';
import { guestRoutes, shareRoutes } from './sharing/routes.ts';
import { terminalRoutes } from './terminals/routes.ts';
import { viewRoutes } from './views/routes.ts';

type Deps = {
  config: Config;
  sessions: Sessions;
  driver: SandboxDriver;
  metrics: Metrics;
  log: Logger;
  /** The origin browsers reach port previews at, given the URL a request came in on. */
  previewOrigin: (requestUrl: string) => string;
};

/** Builds the HTTP app: the API, health and metrics, and the built site. No side effects. */
export function createApp({ config, sessions, driver, metrics, log, previewOrigin }: Deps) {
  const app = new Hono();

  app.onError((error, c) => {
    const answer = apiErrorOf(error);
    if (error instanceof SandboxError) log.debug({ err: error, path: c.req.path }, 'sandbox error');
    if (answer) {
      if (answer.retryAfterSeconds !== undefined) c.header('Retry-After', String(answer.retryAfterSeconds));
      return c.json(answer.toBody(), answer.status);
    }
    log.error({ err: error, path: c.req.path }, 'request failed');
    return c.json(new ApiError('internal', 'Something went wrong on the server.').toBody(), 500);
  });

  const headers = siteHeaders(config.siteDir, config.sessionCookie.secure);
  app.use('*', async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
  });

  app.use(
    '/api/*',
    bodyLimit({
      maxSize: 16 * 1024,
      onError: () => {
        throw new ApiError('payload_too_large', 'The request body is larger than 16 KiB.');
      },
    }),
  );

  app.get('/healthz', async (c) => {
    if (!(await driver.answers())) {
      throw new ApiError('engine_unavailable', 'The Docker engine is not answering.', 30);
    }
    return c.json({ status: 'ok' });
  });

  app.get('/metrics', async (c) => {
    c.header('Content-Type', metrics.registry.contentType);
    return c.body(await metrics.registry.metrics());
  });

  app.route('/api/session', sessionRoutes(sessions, config));
  app.route('/api/session', hostRoutes(sessions, config));
  app.route('/api/session', viewRoutes(sessions, driver, previewOrigin));
  app.route('/api/session', pullRoutes(sessions, driver, config));

  app.route('/api/session', terminalRoutes(sessions, driver, config));
  app.route('/api/session', shareRoutes(sessions, driver, config));
  app.route('/api/shared', guestRoutes(sessions, driver, config, previewOrigin));
  app.route('/api/shared/:address', terminalRoutes(sessions, driver, config));
  app.route('/api/admin', adminRoutes(sessions.pool, config));

  app.all('/api/*', () => {
    throw new ApiError('not_found', 'There is no such API.');
  });
  app.all('/healthz', () => {
    throw new ApiError('method_not_allowed', 'Use GET on /healthz.');
  });

  app.use('/*', serveStatic({ root: config.siteDir }));
  app.notFound((c) => {
    const page = join(config.siteDir, '404.html');
    if (c.req.method === 'GET' && existsSync(page)) {
      return c.html(readFileSync(page, 'utf8'), 404);
    }
    return c.json(new ApiError('not_found', 'There is no page at this address.').toBody(), 404);
  });

  return app;
}
