import { type Context, Hono } from 'hono';
import type { EngineIdle } from '../contract/views.ts';
import { ApiError } from '../errors/index.ts';
import { previewPorts } from '../preview/ports.ts';
import type { SandboxAccess } from '../sandboxes/driver.ts';
import { FIRST_HOST, type HostName } from '../sandboxes/hosts.ts';
import { type SessionEnv, session, type VisitorOf } from '../sessions/middleware.ts';
import type { Sessions } from '../sessions/sessions.ts';
import { containerChanges, listContainers, publishingContainers } from './containers.ts';
import { hostsNetworkView } from './hosts.ts';
import { imageLayers, listImages } from './images.ts';
import { engineNotStarted } from './inner-engine.ts';
import { networkView } from './network.ts';

/**
 * GET /api/session/{network,containers,images,ports,…}: what the reader's sandbox holds, read
 * from its own Docker engine, for the live diagrams and the dock's port links. `?host=node2`
 * reads another of the reader's hosts; node1 without it.
 */
export function viewRoutes(
  sessions: Sessions | VisitorOf,
  driver: SandboxAccess,
  previewOrigin: (requestUrl: string) => string,
) {
  /** A view of the request's host, read within its session's budget. */
  const read = async <T>(c: Context<SessionEnv>, view: (sessionId: string, host: HostName) => Promise<T>) => {
    const { session } = c.var;
    const host = session.hostNamed(c.req.query('host') ?? FIRST_HOST);
    if (session.hostState(host) !== 'ready') {
      throw new ApiError('sandbox_starting', `${host} is still starting; ask again in a moment.`);
    }
    return c.json(await c.var.execs.run(() => view(session.id, host)));
  };
  /**
   * A list view, or its empty value marked `engine: 'idle'` (or `'starting'`) when Docker has not
   * started yet: a page showing a diagram asks before the reader typed anything, or while their
   * first command starts it, and that is no error of theirs.
   */
  const list = <T extends object>(
    c: Context<SessionEnv>,
    view: (id: string, host: HostName) => Promise<T>,
    empty: T,
  ) =>
    read(c, (id, host) =>
      view(id, host).catch((error: unknown): T & EngineIdle => {
        const engine = engineNotStarted(error);
        if (engine) return { ...empty, engine };
        throw error;
      }),
    );
  const ready = session(sessions, { ready: true });
  return (
    new Hono<SessionEnv>()
      // Every host at once, for the diagram of a reader's hosts; each read as /network reads one.
      .get('/hosts/network', ready, async (c) =>
        c.json(await hostsNetworkView(driver, c.var.session, c.var.execs)),
      )
      .get('/network', ready, (c) =>
        list(c, (id, host) => networkView(driver, id, host), { networks: [], containers: [] }),
      )
      .get('/containers', ready, (c) =>
        list(c, async (id, host) => ({ containers: await listContainers(driver, id, host) }), {
          containers: [],
        }),
      )
      .get('/containers/:name/changes', ready, (c) =>
        read(c, (id, host) => containerChanges(driver, id, host, c.req.param('name'))),
      )
      .get('/images', ready, (c) =>
        list(c, async (id, host) => ({ images: await listImages(driver, id, host) }), { images: [] }),
      )
      .get('/images/:ref/layers', ready, (c) =>
        read(c, (id, host) => imageLayers(driver, id, host, c.req.param('ref'))),
      )
      // Previews reach node1's published ports (and, through the routing mesh, a swarm's).
      .get('/ports', ready, (c) =>
        read(c, async (id) => ({
          ports: previewPorts(
            await publishingContainers(driver, id, FIRST_HOST),
            c.var.previewId,
            previewOrigin(c.req.url),
          ),
        })),
      )
  );
}
