/**
 * The sandbox's read-only views, as the server answers them (GET /api/session/…, or a guest's /api/shared/<address>/…): its networks,
 * containers, images and their layers. Shapes only, plus one fetch that says why a call failed.
 */

// The shapes are the server's own types: one definition for both ends.
import type {
  ChangesView,
  ContainersView,
  EngineIdle,
  HostsNetworkView,
  ImagesView,
  LayersView,
  NetworkView,
} from '../../sandbox-server/src/contract/index.ts';
import { errorOf } from '../dock/session-api.ts';
import { sessionPath } from '../links/session-path.ts';

export type {
  ChangeKind,
  ChangesView,
  Container,
  Endpoint,
  HostNetworkView,
  HostsNetworkView,
  Image,
  Layer,
  LayersView,
  Network,
  NetworkView,
  Port,
} from '../../sandbox-server/src/contract/index.ts';

/** A view the server could not give: `no_session` means the sandbox is gone. */
export class ViewUnavailable extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(path, { credentials: 'same-origin', signal });
  if (response.ok) return (await response.json()) as T;
  const error = await errorOf(response);
  throw new ViewUnavailable(response.status, error.code, error.message);
}

/**
 * A list view's body, or the reason to show no drawing: Docker has not started yet (it starts with
 * the reader's first command), which the server answers with empty lists marked `engine: 'idle'`.
 */
function engineRunning<T extends EngineIdle>(body: T): T {
  if (body.engine === 'idle') {
    throw new ViewUnavailable(
      200,
      'sandbox_engine_idle',
      'Docker has not started in your sandbox yet: it starts with your first command.',
    );
  }
  if (body.engine === 'starting') {
    throw new ViewUnavailable(200, 'sandbox_engine_starting', 'Docker is starting in your sandbox.');
  }
  return body;
}

export const fetchNetwork = (signal?: AbortSignal) =>
  getJson<NetworkView>(sessionPath('/network'), signal).then(engineRunning);

/** Every host's networks and containers; a host whose Docker has not started comes back empty, marked. */
export const fetchHostsNetwork = (signal?: AbortSignal) =>
  getJson<HostsNetworkView>(sessionPath('/hosts/network'), signal);

export const fetchImages = (signal?: AbortSignal) =>
  getJson<ImagesView>(sessionPath('/images'), signal)
    .then(engineRunning)
    .then((body) => body.images);

export const fetchLayers = (ref: string, signal?: AbortSignal) =>
  getJson<LayersView>(sessionPath(`/images/${encodeURIComponent(ref)}/layers`), signal);

export const fetchContainers = (signal?: AbortSignal) =>
  getJson<ContainersView>(sessionPath('/containers'), signal)
    .then(engineRunning)
    .then((body) => body.containers);

export const fetchChanges = (name: string, signal?: AbortSignal) =>
  getJson<ChangesView>(sessionPath(`/containers/${encodeURIComponent(name)}/changes`), signal);
