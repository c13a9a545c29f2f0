import { z } from 'zod';
import type { NetworkView } from '../contract/views.ts';
import type { SandboxAccess } from '../sandboxes/driver.ts';
import type { HostName } from '../sandboxes/hosts.ts';
import { type Container, LIST_PATH, parseContainers } from './containers.ts';
import { innerGet, okBody, PRINT_SEPARATOR, SEPARATOR, unreadable } from './inner-engine.ts';
import { shortId } from './names.ts';

const NetworkList = z.array(
  z.object({
    Id: z.string(),
    Name: z.string(),
    Driver: z.string().default(''),
    Options: z.record(z.string(), z.string()).nullable().default({}),
    IPAM: z
      .object({
        Config: z
          .array(z.object({ Subnet: z.string().optional(), Gateway: z.string().optional() }))
          .nullable()
          .default([]),
      })
      .default({ Config: [] }),
  }),
);

/** A link as `ip -j link` prints it. */
const Links = z.array(z.object({ ifindex: z.number(), ifname: z.string() }));

/**
 * Prints the sandbox's links, then for each container id given: the id and, per interface in the
 * container, `name=peer ifindex=MAC`. A container's eth0 names its veth peer by index (iflink).
 * Ids come from the daemon and are checked as hex before they are passed; none reaches a shell.
 */
const LINKS_SCRIPT =
  `ip -j link; ${PRINT_SEPARATOR}; ` +
  'for id; do ' +
  // The docker CLI takes a tenth of a second to start; curl and grep find the Pid in a few ms.
  'pid=$(curl -s --max-time 5 --unix-socket /var/run/docker.sock "http://docker/containers/$id/json" | grep -o \'"Pid":[0-9]*\' | head -n 1 | cut -d: -f2); ' +
  '[ -n "$pid" ] || continue; printf "%s" "$id"; ' +
  'for dir in /proc/$pid/root/sys/class/net/*; do ' +
  '[ -r "$dir/iflink" ] && printf " %s=%s=%s" "$(basename "$dir")" "$(cat "$dir/iflink")" "$(cat "$dir/address")"; ' +
  'done; echo; done';

/** The reader's networks and containers, each container endpoint with its veth pair. */
export async function networkView(
  driver: SandboxAccess,
  sessionId: string,
  host: HostName,
): Promise<NetworkView> {
  const [containerAnswer, networkAnswer] = await innerGet(driver, sessionId, host, [LIST_PATH, '/networks']);
  const containers = parseContainers(okBody(containerAnswer));
  const networks = NetworkList.safeParse(okBody(networkAnswer));
  if (!networks.success) throw unreadable();

  // Only ids that look like ids are passed on: anything else could pass for an option to docker.
  const running = containers.filter((c) => c.state === 'running' && /^[0-9a-f]{12}$/.test(c.id));
  if (running.length > 0) {
    const stdout = await driver.exec(sessionId, host, [
      'bash',
      '-c',
      LINKS_SCRIPT,
      'berth-links',
      ...running.map((c) => c.id),
    ]);
    addVethPairs(running, stdout);
  }
  return {
    networks: networks.data
      .map((n) => ({
        id: shortId(n.Id),
        name: n.Name,
        driver: n.Driver,
        bridge:
          n.Driver === 'bridge'
            ? (n.Options?.['com.docker.network.bridge.name'] ?? `br-${shortId(n.Id)}`)
            : null,
        subnet: n.IPAM.Config?.[0]?.Subnet ?? null,
        gateway: n.IPAM.Config?.[0]?.Gateway ?? null,
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    containers,
  };
}

/** Fills in each endpoint's interface and veth from the links script's output; what does not parse stays null. */
export function addVethPairs(containers: Container[], output: string): void {
  const [linkJson = '', perContainer = ''] = output.split(SEPARATOR);
  let links: z.infer<typeof Links>;
  try {
    const parsed = Links.safeParse(JSON.parse(linkJson));
    if (!parsed.success) return;
    links = parsed.data;
  } catch {
    return;
  }
  const byIndex = new Map(links.map((link) => [link.ifindex, link.ifname]));
  for (const line of perContainer.split('\n')) {
    const [id = '', ...interfaces] = line.trim().split(' ');
    const container = containers.find((c) => c.id === shortId(id));
    if (!container) continue;
    for (const entry of interfaces) {
      const [name = '', peer = '', mac = ''] = entry.split('=');
      const endpoint = container.endpoints.find((e) => e.mac !== null && e.mac === mac);
      if (!endpoint || name === 'lo') continue;
      endpoint.interface = name;
      endpoint.veth = byIndex.get(Number(peer)) ?? null;
    }
  }
}
