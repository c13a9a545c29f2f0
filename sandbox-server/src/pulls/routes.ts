import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { Config } from '../config/index.ts';
import type { PullsView } from '../contract/session.ts';
import { ApiError, jsonOf } from '../errors/index.ts';
import type { SandboxAccess } from '../sandboxes/driver.ts';
import { type SessionEnv, session } from '../sessions/middleware.ts';
import { siteOnly } from '../sessions/origin.ts';
import type { Sessions } from '../sessions/sessions.ts';
import { imagesOf, startPulls } from './pulls.ts';

/** The images a pulls request names, as `c.var.images`, or a clear refusal. */
const askedImages = createMiddleware<{ Variables: { images: string[] } }>(async (c, next) => {
  c.set('images', imagesOf(jsonOf(await c.req.text())));
  await next();
});

/** POST /api/session/pulls: the images a page uses, pulled into the reader's sandbox while they read. */
export function pullRoutes(sessions: Sessions, driver: SandboxAccess, config: Config) {
  return (
    new Hono<SessionEnv>()
      .use('/pulls', siteOnly(config, 'Images are pulled'))
      // The body is checked before the session, as the contract orders the errors.
      .post('/pulls', askedImages, session(sessions, { ready: true }), async (c) => {
        const { session, images } = c.var;
        const pulling = await session.execs.run(() => startPulls(driver, session, images));
        return c.json({ pulling } satisfies PullsView, 202);
      })
      .all('/pulls', () => {
        throw new ApiError('method_not_allowed', 'Use POST on /api/session/pulls.');
      })
  );
}
