import { type Context, Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { ApiError } from '../errors/index.ts';
import type { SandboxDriver } from '../sandboxes/driver.ts';
import type { Session } from '../sessions/session.ts';
import type { Sessions } from '../sessions/sessions.ts';
import { COOKIE_NAME } from '../sessions/token.ts';
import { containerChanges, listContainers } from './containers.ts';
import { imageLayers, listImages } from './images.ts';
import { networkView } from './network.ts';
import { previewPorts } from './ports.ts';

/** The session a view is asked for, once its sandbox can answer. */
export function readySession(sessions: Sessions, cookie: string | undefined): Session {
  const session = sessions.find(cookie);
  if (!session) throw new ApiError('no_session', 'There is no live session for this browser.');
  if (session.state !== 'ready') {
    throw new ApiError('sandbox_starting', 'Your sandbox is still starting; ask again in a moment.');
  }
  return session;
}

/**
 * GET /api/session/{network,containers,images,ports,…}: what the reader's sandbox holds, read
 * from its own Docker engine, for the live diagrams and the dock's port links.
 */
export function viewRoutes(
  sessions: Sessions,
  driver: SandboxDriver,
  previewOrigin: (requestUrl: string) => string,
) {
  const session = (c: Context) => readySession(sessions, getCookie(c, COOKIE_NAME));
  return new Hono()
    .get('/network', async (c) => c.json(await networkView(driver, session(c).id)))
    .get('/containers', async (c) => c.json({ containers: await listContainers(driver, session(c).id) }))
    .get('/containers/:name/changes', async (c) =>
      c.json(await containerChanges(driver, session(c).id, c.req.param('name'))),
    )
    .get('/images', async (c) => c.json({ images: await listImages(driver, session(c).id) }))
    .get('/images/:ref/layers', async (c) =>
      c.json(await imageLayers(driver, session(c).id, c.req.param('ref'))),
    )
    .get('/ports', async (c) => {
      const { id } = session(c);
      const origin = previewOrigin(c.req.url);
      return c.json({ ports: previewPorts(await listContainers(driver, id), id, origin) });
    });
}
