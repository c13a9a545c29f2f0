/** What the views API answers (GET /api/session/{containers,images,network,ports,…}), as the dock and the diagrams read it. */

export type Port = {
  containerPort: number;
  protocol: string;
  hostIp: string | null;
  hostPort: number | null;
};

export type Endpoint = {
  network: string;
  ipv4: string | null;
  mac: string | null;
  /** The container's side of the veth pair, e.g. eth0; filled in by the network view. */
  interface: string | null;
  /** The sandbox's side of the veth pair, e.g. veth776a282; filled in by the network view. */
  veth: string | null;
};

export type Container = {
  id: string;
  name: string;
  image: string;
  state: string;
  status: string;
  ports: Port[];
  endpoints: Endpoint[];
};

/** Docker's change kinds, in its numbering. */
export const CHANGE_KINDS = ['changed', 'added', 'deleted'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export type Image = { id: string; tags: string[]; size: number; created: string };
export type Layer = { instruction: string; size: number; created: string; comment: string };

export type Network = {
  id: string;
  name: string;
  driver: string;
  /** The bridge's interface in the sandbox: docker0, br-<id>. */
  bridge: string | null;
  subnet: string | null;
  gateway: string | null;
};

/** A port a running container publishes where the preview reaches it. */
export type PublishedPort = { port: number; container: string; containerPort: number };
export type PreviewPort = PublishedPort & { url: string };

/** GET /api/session/network */
/**
 * On a list view, present only when the sandbox's Docker has not started yet (it starts with the
 * reader's first command), or is starting: the lists are then empty because there is no engine to
 * ask, not because the reader has nothing.
 */
export type EngineIdle = { engine?: 'idle' | 'starting' };
export type NetworkView = { networks: Network[]; containers: Container[] } & EngineIdle;
/**
 * One of the reader's hosts in GET /api/session/hosts/network: its address on the network the
 * reader's hosts share, and its own engine's networks (bridges and the swarm's overlays) and
 * containers; empty, with `engine`, while Docker has not started on it, and while it starts.
 */
export type HostNetworkView = {
  name: string;
  address: string;
  state: 'starting' | 'ready';
  networks: Network[];
  containers: Container[];
} & EngineIdle;
/** GET /api/session/hosts/network: every host of the reader, node1 first. */
export type HostsNetworkView = { subnet: string; hosts: HostNetworkView[] };
/** GET /api/session/containers */
export type ContainersView = { containers: Container[] } & EngineIdle;
/** GET /api/session/images */
export type ImagesView = { images: Image[] } & EngineIdle;
/** GET /api/session/images/:ref/layers: layers in build order, index 0 the bottom (base) layer. */
export type LayersView = { image: Image; layers: Layer[] };
/** GET /api/session/containers/:name/changes */
export type ChangesView = {
  container: Container;
  sizeRw: number;
  changes: { path: string; kind: ChangeKind }[];
  /** The server listed only the first changes. */
  truncated: boolean;
};
