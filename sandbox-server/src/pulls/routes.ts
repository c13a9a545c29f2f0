import { Hono } from 'hono';
import type { Config } from '../config/index.ts';
import { ApiError } from '../errors/index.ts';
import type { SandboxDriver } from '../sandboxes/driver.ts';
import { siteOnly } from '../sessions/origin.ts';
import type { Sessions } from '../sessions/sessions.ts';
import { imagesOf, startPulls } from './pulls.ts';

/** POST /api/session/pulls: the images a page uses, pulled into the reader's sandbox while they read. */
export function pullRoutes(sessions: Sessions, driver: SandboxDriver, config: Config) {
  return new Hono()
    .use('/pulls', siteOnly(config, 'Images are pulled'))
    .post('/pulls', async (c) => {
      let body: unknown;
      try {
        body = JSON.parse(await c.req.text());
      } catch {
        throw new ApiError('invalid_json', 'The request body is not valid JSON.');
      }
      const images = imagesOf(body);
      const session = sessions.readyFromCookie(c.req.header('cookie'));
      const pulling = await session.execs.run(() => startPulls(driver, session, images));
      return c.json({ pulling }, 202);
    })
    .all('/pulls', () => {
      throw new ApiError('method_not_allowed', 'Use POST on /api/session/pulls.');
    });
}
