import { z } from 'zod';
import { CHANGE_KINDS, type ChangesView, type Container, type Port } from '../contract/views.ts';
import { ApiError } from '../errors/index.ts';
import type { SandboxAccess } from '../sandboxes/driver.ts';
import type { HostName } from '../sandboxes/hosts.ts';
import { engineNotStarted, innerGet, okBody, unreadable } from './inner-engine.ts';
import { containerPart, shortId } from './names.ts';

/** What Berth reads of `GET /containers/json`; the sandbox is the reader's, so every field is checked. */
const ContainerSummary = z.object({
  Id: z.string(),
  Names: z.array(z.string()).default([]),
  Image: z.string().default(''),
  State: z.string().default(''),
  Status: z.string().default(''),
  Created: z.number().default(0),
  Ports: z
    .array(
      z.object({
        IP: z.string().optional(),
        PrivatePort: z.number(),
        PublicPort: z.number().optional(),
        Type: z.string().default('tcp'),
      }),
    )
    .default([]),
  NetworkSettings: z
    .object({
      Networks: z
        .record(
          z.string(),
          z.object({ IPAddress: z.string().optional(), MacAddress: z.string().optional() }).nullable(),
        )
        .default({}),
    })
    .default({ Networks: {} }),
});

const ContainerList = z.array(ContainerSummary);

export type { Container } from '../contract/views.ts';

export const LIST_PATH = '/containers/json?all=1';

/** Newest first, as `docker ps -a` lists them. */
export function parseContainers(body: unknown): Container[] {
  const parsed = ContainerList.safeParse(body);
  if (!parsed.success) throw unreadable();
  return parsed.data
    .sort((a, b) => b.Created - a.Created)
    .map((c) => ({
      id: shortId(c.Id),
      name: (c.Names[0] ?? '').replace(/^\//, ''),
      image: c.Image,
      state: c.State,
      status: c.Status,
      ports: uniquePorts(c.Ports),
      endpoints: Object.entries(c.NetworkSettings.Networks).map(([network, settings]) => ({
        network,
        ipv4: settings?.IPAddress || null,
        mac: settings?.MacAddress || null,
        interface: null,
        veth: null,
      })),
    }));
}

/** Docker lists a port published on all addresses twice, for IPv4 and IPv6; a reader thinks of it once. */
function uniquePorts(ports: z.infer<typeof ContainerSummary>['Ports']): Port[] {
  const seen = new Map<string, Port>();
  for (const p of ports) {
    const port: Port = {
      containerPort: p.PrivatePort,
      protocol: p.Type,
      hostIp: p.IP === '::' ? '0.0.0.0' : (p.IP ?? null),
      hostPort: p.PublicPort ?? null,
    };
    const key = `${port.containerPort}/${port.protocol}/${port.hostIp}/${port.hostPort}`;
    if (!seen.has(key)) seen.set(key, port);
  }
  return [...seen.values()].sort((a, b) => (a.hostPort ?? 0) - (b.hostPort ?? 0));
}

export async function listContainers(
  driver: SandboxAccess,
  sessionId: string,
  host: HostName,
): Promise<Container[]> {
  const [answer] = await innerGet(driver, sessionId, host, [LIST_PATH]);
  return parseContainers(okBody(answer));
}

/**
 * The containers that may publish ports: none before Docker's first use (it starts with the
 * reader's first command), which is an answer for ports and previews, not an error.
 */
export function publishingContainers(
  driver: SandboxAccess,
  sessionId: string,
  host: HostName,
): Promise<Container[]> {
  return listContainers(driver, sessionId, host).catch((error: unknown) => {
    if (engineNotStarted(error)) return [];
    throw error;
  });
}

const Changes = z
  .array(z.object({ Path: z.string(), Kind: z.number() }))
  .nullable()
  .transform((changes) => changes ?? []);
const Inspect = z.object({ Id: z.string(), SizeRw: z.number().optional() });

/** A container that rewrote /usr would list thousands; a drawing needs far fewer. */
const MAX_CHANGES = 500;

/** `docker diff` and the size of the container's read-write layer. */
export async function containerChanges(
  driver: SandboxAccess,
  sessionId: string,
  host: HostName,
  ref: string,
): Promise<ChangesView> {
  const part = containerPart(ref);
  const [inspect, changes, list] = await innerGet(driver, sessionId, host, [
    `/containers/${part}/json?size=1`,
    `/containers/${part}/changes`,
    LIST_PATH,
  ]);
  const missing = () => new ApiError('no_such_container', `There is no container ${ref} in your sandbox.`);
  const info = Inspect.safeParse(okBody(inspect, missing));
  const diff = Changes.safeParse(okBody(changes, missing));
  if (!info.success || !diff.success) throw unreadable();
  const container = parseContainers(okBody(list)).find((c) => c.id === shortId(info.data.Id));
  if (!container) throw missing();
  const sorted = diff.data
    .map((change) => ({ path: change.Path, kind: CHANGE_KINDS[change.Kind] ?? 'changed' }))
    .sort((a, b) => a.path.localeCompare(b.path));
  return {
    container,
    sizeRw: info.data.SizeRw ?? 0,
    changes: sorted.slice(0, MAX_CHANGES),
    truncated: sorted.length > MAX_CHANGES,
  };
}
