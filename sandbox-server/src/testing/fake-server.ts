import { pino } from 'pino';
import { createApp } from '../app.ts';
import { loadConfig } from '../config/index.ts';
import { readiness } from '../health/readiness.ts';
import { createMetrics } from '../metrics/index.ts';
import { Preparation } from '../preparation/preparation.ts';
import { Reaper } from '../sessions/reaper.ts';
import { Sessions } from '../sessions/sessions.ts';
import { sessionIdFor } from '../sessions/token.ts';
import { FakeDriver } from './fake-driver.ts';

/** The site's own origin in these requests; a request from it may change a session. */
export const SITE = 'http://berth.test';

type RequestOptions = {
  /** The address the request comes from, as the socket gives it. */
  from?: string;
  cookie?: string;
  origin?: string | null;
  headers?: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer>;
};

/**
 * The whole HTTP app over a FakeDriver, in this process, with no listener: requests go through
 * `app.request()`, so the routes, the session logic and the limits answer in milliseconds.
 */
export async function fakeServer(
  env: Record<string, string> = {},
  driver = FakeDriver.readyAtOnce(),
  { adopt = true, preparation = Preparation.done() } = {},
) {
  const config = loadConfig({
    BERTH_POOL_SIZE: '0',
    BERTH_SITE_DIR: '/nonexistent',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const log = pino({ level: 'silent' });
  const metrics = createMetrics();
  const sessions = new Sessions(driver, config, metrics, log);
  const reaper = new Reaper(sessions, driver, config, metrics, log);
  if (adopt) await sessions.adopt();
  const app = createApp({
    config,
    sessions,
    driver,
    metrics,
    log,
    previewOrigin: () => 'http://preview.test',
    readiness: readiness({ image: () => driver.preflight().then(() => true) }),
    preparation,
  });

  const request = (method: string, path: string, options: RequestOptions = {}) => {
    const headers: Record<string, string> = { host: new URL(SITE).host, ...options.headers };
    if (options.origin !== null) headers.origin = options.origin ?? SITE;
    if (options.cookie) headers.cookie = options.cookie;
    const init = { method, headers, body: options.body };
    // What @hono/node-server gives the app: the socket's address, as getConnInfo reads it.
    return app.request(`${SITE}${path}`, init, {
      incoming: { socket: { remoteAddress: options.from ?? '203.0.113.1' } },
    });
  };

  /** POST /api/session, with the session's cookie and id when one was made. */
  const createSession = async (options: RequestOptions = {}) => {
    const response = await request('POST', '/api/session', options);
    const pair = /^([^=;]+)=([^;]+)/.exec(response.headers.get('set-cookie') ?? '');
    const token = pair?.[2];
    return {
      response,
      status: response.status,
      body: (await response.json()) as Record<string, unknown>,
      cookie: pair ? `${pair[1]}=${token}` : '',
      id: token ? (sessionIdFor(token) ?? '') : '',
    };
  };

  return { app, config, driver, metrics, reaper, sessions, request, createSession };
}

/** Waits for pending promise callbacks and timers of `ms` to run. */
export const settle = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));
