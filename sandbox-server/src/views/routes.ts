import { type Context, Hono } from 'hono';
import type { EngineIdle } from '../contract/views.ts';
import { previewPorts } from '../preview/ports.ts';
import type { SandboxAccess } from '../sandboxes/driver.ts';
import { type SessionEnv, session } from '../sessions/middleware.ts';
import type { Sessions } from '../sessions/sessions.ts';
import { containerChanges, listContainers, publishingContainers } from './containers.ts';
import { imageLayers, listImages } from './images.ts';
import { engineNotStarted } from './inner-engine.ts';
import { networkView } from './network.ts';

/**
 * GET /api/session/{network,containers,images,ports,…}: what the reader's sandbox holds, read
 * from its own Docker engine, for the live diagrams and the dock's port links.
 */
export function viewRoutes(
  sessions: Sessions,
  driver: SandboxAccess,
  previewOrigin: (requestUrl: string) => string,
) {
  /** A view of the request's sandbox, read within its session's budget. */
  const read = async <T>(c: Context<SessionEnv>, view: (sessionId: string) => Promise<T>) => {
    const { session } = c.var;
    return c.json(await session.execs.run(() => view(session.id)));
  };
  /**
   * A list view, or its empty value marked `engine: 'idle'` (or `'starting'`) when Docker has not
   * started yet: a page showing a diagram asks before the reader typed anything, or while their
   * first command starts it, and that is no error of theirs.
   */
  const list = <T extends object>(c: Context<SessionEnv>, view: (id: string) => Promise<T>, empty: T) =>
    read(c, (id) =>
      view(id).catch((error: unknown): T & EngineIdle => {
        const engine = engineNotStarted(error);
        if (engine) return { ...empty, engine };
        throw error;
      }),
    );
  const ready = session(sessions, { ready: true });
  return new Hono<SessionEnv>()
    .get('/network', ready, (c) => list(c, (id) => networkView(driver, id), { networks: [], containers: [] }))
    .get('/containers', ready, (c) =>
      list(c, async (id) => ({ containers: await listContainers(driver, id) }), { containers: [] }),
    )
    .get('/containers/:name/changes', ready, (c) =>
      read(c, (id) => containerChanges(driver, id, c.req.param('name'))),
    )
    .get('/images', ready, (c) =>
      list(c, async (id) => ({ images: await listImages(driver, id) }), { images: [] }),
    )
    .get('/images/:ref/layers', ready, (c) => read(c, (id) => imageLayers(driver, id, c.req.param('ref'))))
    .get('/ports', ready, (c) =>
      read(c, async (id) => ({
        ports: previewPorts(await publishingContainers(driver, id), id, previewOrigin(c.req.url)),
      })),
    );
}
