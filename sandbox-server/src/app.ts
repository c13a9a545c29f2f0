import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from 'pino';
import { adminRoutes } from './admin/routes.ts';
import type { Config } from './config/index.ts';
import { ApiError } from './errors/index.ts';
import { apiErrorOf } from './errors/sandbox-errors.ts';
import { fileRoutes } from './files/routes.ts';
import type { Readiness } from './health/readiness.ts';
import { countRefusal, type Metrics } from './metrics/index.ts';
import { metricsHandler } from './metrics/routes.ts';
import type { Preparation } from './preparation/preparation.ts';
import { pullRoutes } from './pulls/routes.ts';
import { siteHeaders } from './requests/security-headers.ts';
import { staticSite } from './requests/static-site.ts';
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
  /** Whether a reader arriving now gets a sandbox as safe as configured (health/readiness.ts). */
  readiness: () => Promise<Readiness>;
  /** Until it is ready, the API refuses with `preparing` and the status page shows its steps. */
  preparation: Preparation;
};

/** Builds the HTTP app: the API, health and metrics, and the built site. No side effects. */
export function createApp(deps: Deps) {
  const { config, sessions, driver, metrics, log, previewOrigin, readiness, preparation } = deps;
  const app = new Hono();

  app.onError((error, c) => {
    const answer = apiErrorOf(error);
    if (error instanceof SandboxError) log.debug({ err: error, path: c.req.path }, 'sandbox error');
    if (answer) {
      countRefusal(metrics, answer);
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

  // An upload's body is a stream of its own (files/routes.ts); every other body is small JSON.
  const smallBodies = bodyLimit({
    maxSize: 16 * 1024,
    onError: () => {
      throw new ApiError('payload_too_large', 'The request body is larger than 16 KiB.');
    },
  });
  app.use('/api/*', (c, next) =>
    c.req.method === 'PUT' && c.req.path === '/api/session/files' ? next() : smallBodies(c, next),
  );

  app.use('/api/*', async (_c, next) => {
    if (!preparation.ready) throw preparation.refusal();
    await next();
  });

  app.get('/healthz', async (c) => {
    if (!(await driver.answers())) {
      throw new ApiError('engine_unavailable', 'The Docker engine is not answering.', 30);
    }
    return c.json({ status: 'ok' });
  });

  app.get('/readyz', async (c) => {
    const { ready, checks, failing } = await readiness();
    c.header('Cache-Control', 'no-store');
    // Only a server that prepares after it listens (`--prepare`) has steps to show.
    const view = preparation.view();
    const steps = view.of > 0 ? { preparation: view } : {};
    if (ready) return c.json({ status: 'ready', checks, ...steps });
    return c.json({ status: 'not_ready', checks, failing, ...steps }, 503);
  });

  if (config.metrics.onSitePort) app.get('/metrics', metricsHandler(metrics, config.metrics.token));

  app.route('/api/session', sessionRoutes(sessions, config));
  app.route('/api/session', hostRoutes(sessions, config));
  app.route('/api/session', viewRoutes(sessions, driver, previewOrigin));
  app.route('/api/session', pullRoutes(sessions, driver, config));
  app.route('/api/session', fileRoutes(sessions, driver, config));

  app.route('/api/session', terminalRoutes(sessions, driver, config));
  app.route('/api/session', shareRoutes(sessions, driver, config));
  app.route('/api/shared', guestRoutes(sessions, driver, config, previewOrigin));
  app.route('/api/shared/:address', terminalRoutes(sessions, driver, config));
  app.route('/api/admin', adminRoutes(sessions.pool, config));

  app.all('/api/*', () => {
    throw new ApiError('not_found', 'There is no such API.');
  });
  for (const probe of ['/healthz', '/readyz']) {
    app.all(probe, () => {
      throw new ApiError('method_not_allowed', `Use GET on ${probe}.`);
    });
  }

  app.use('/*', staticSite(config.siteDir, config.basePath));
  app.notFound((c) => {
    const page = join(config.siteDir, '404.html');
    if (c.req.method === 'GET' && existsSync(page)) {
      return c.html(readFileSync(page, 'utf8'), 404);
    }
    return c.json(new ApiError('not_found', 'There is no page at this address.').toBody(), 404);
  });

  return app;
}
