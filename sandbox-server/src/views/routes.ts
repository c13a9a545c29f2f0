import { type Context, Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { previewPorts } from '../preview/ports.ts';
import type { SandboxDriver } from '../sandboxes/driver.ts';
import type { Sessions } from '../sessions/sessions.ts';
import { COOKIE_NAME } from '../sessions/token.ts';
import { containerChanges, listContainers } from './containers.ts';
import { imageLayers, listImages } from './images.ts';
import { networkView } from './network.ts';

/**
 * GET /api/session/{network,containers,images,ports,…}: what the reader's sandbox holds, read
 * from its own Docker engine, for the live diagrams and the dock's port links.
 */
export function viewRoutes(
  sessions: Sessions,
  driver: SandboxDriver,
  previewOrigin: (requestUrl: string) => string,
) {
  const session = (c: Context) => sessions.findReady(getCookie(c, COOKIE_NAME));
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
