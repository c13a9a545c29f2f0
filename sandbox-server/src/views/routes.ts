import { type Context, Hono } from 'hono';
import { previewPorts } from '../preview/ports.ts';
import type { SandboxDriver } from '../sandboxes/driver.ts';
import type { Sessions } from '../sessions/sessions.ts';
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
  /** The request's ready session, and a view of its sandbox read within the session's budget. */
  const read = async <T>(c: Context, view: (sessionId: string) => Promise<T>) => {
    const session = sessions.readyFromCookie(c.req.header('cookie'));
    return c.json(await session.execs.run(() => view(session.id)));
  };
  return new Hono()
    .get('/network', (c) => read(c, (id) => networkView(driver, id)))
    .get('/containers', (c) => read(c, async (id) => ({ containers: await listContainers(driver, id) })))
    .get('/containers/:name/changes', (c) =>
      read(c, (id) => containerChanges(driver, id, c.req.param('name'))),
    )
    .get('/images', (c) => read(c, async (id) => ({ images: await listImages(driver, id) })))
    .get('/images/:ref/layers', (c) => read(c, (id) => imageLayers(driver, id, c.req.param('ref'))))
    .get('/ports', (c) =>
      read(c, async (id) => ({
        ports: previewPorts(await listContainers(driver, id), id, previewOrigin(c.req.url)),
      })),
    );
}
