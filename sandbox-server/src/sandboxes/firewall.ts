import { execFile } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { access, readFile } from 'node:fs/promises';
import { isIPv4 } from 'node:net';
import { promisify } from 'node:util';
import type { EgressPolicy } from '../config/egress-policies.ts';

const run = promisify(execFile);

/**
 * Address ranges a sandbox must not reach however its traffic is routed: link-local (the cloud
 * metadata service lives at 169.254.169.254), private networks (the host's neighbours), shared
 * address space, the host's loopback, "this network" (0.0.0.0/8, which Linux takes for the host
 * itself), Azure's host endpoint (168.63.129.16, a public address: its DNS passes as a resolver's,
 * nothing else), multicast and the reserved range with the broadcast address.
 */
export const FORBIDDEN_DESTINATIONS = [
  '169.254.0.0/16',
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '0.0.0.0/8',
  '168.63.129.16/32',
  '224.0.0.0/4',
  '240.0.0.0/4',
] as const;

/** TCP connections one sandbox may hold open beyond its own network: far more than a build needs. */
export const MAX_CONNECTIONS_PER_SANDBOX = 256;

/** Chain names for a sandbox subnet, e.g. BERTH-FWD-10-89 for 10.89.0.0/16. */
export function chainNames(subnet: string) {
  const [first, second] = subnet.split('.');
  return {
    forward: `BERTH-FWD-${first}-${second}`,
    input: `BERTH-IN-${first}-${second}`,
    ipv6: `BERTH-V6-${first}-${second}`,
  };
}

/**
 * The host's name for the bridge of a sandbox's /24, e.g. b-10-89-7 for 10.89.7.0/24: named by
 * Berth (not Docker's br-<id>) so the IPv6 rules can find every sandbox bridge by its prefix.
 */
export function bridgeName(subnet24: string): string {
  const [first, second, third] = subnet24.split('.');
  return `b-${first}-${second}-${third}`;
}

/**
 * IPv6, as `ip6tables-restore --noflush` takes it. Sandbox networks are IPv4 only, but root in a
 * sandbox can turn IPv6 on for its interface and reach the host on the bridge's link-local
 * address, past every IPv4 rule: so nothing IPv6 from a sandbox bridge reaches the host or is
 * forwarded anywhere.
 */
export function ipv6Rules(subnet: string): string {
  const { ipv6 } = chainNames(subnet);
  const [first, second] = subnet.split('.');
  return ['*filter', `:${ipv6} - [0:0]`, `-A ${ipv6} -i b-${first}-${second}-+ -j DROP`, 'COMMIT', ''].join(
    '\n',
  );
}

const MIRROR_PORTS = '80,443';

/**
 * The rules, as `iptables-restore --noflush` takes them: declaring a chain empties it, so the
 * whole set is replaced in one step however often a server starts.
 *
 * Forwarded traffic (Docker sends it through DOCKER-USER first, bridged traffic included):
 * within the sandbox subnet it is left to Docker, which keeps each sandbox's bridge apart from
 * the others; DNS to the host's own resolvers passes under `open`, since the sandbox asks them
 * (they are often private, 10.x or 169.254.169.254), and under `mirrors` only Berth's forwarder
 * on the sandbox's own network answers it; anything else to a forbidden range is refused, and then whatever the egress
 * policy does not allow (`mirrorAddresses`: the package mirror's, for `mirrors`). Traffic to the
 * host itself (INPUT) from the sandbox subnet is refused, except replies: the sandbox has no
 * business with the host's ports, the server's and the Docker API's among them.
 */
export function firewallRules(
  subnet: string,
  resolvers: readonly string[],
  egress: { policy: EgressPolicy; mirrorAddresses: readonly string[] } = {
    policy: 'open',
    mirrorAddresses: [],
  },
): string {
  const { forward, input } = chainNames(subnet);
  const [first, second] = subnet.split('.');
  const bridges = `b-${first}-${second}-+`;
  const reject = '-j REJECT --reject-with icmp-admin-prohibited';
  // Under `mirrors` a sandbox's DNS is Berth's forwarder, on its own network (dns-forwarder.ts).
  const dns = egress.policy === 'open' ? resolvers : [];
  const mirrors = egress.policy === 'mirrors' ? egress.mirrorAddresses : [];
  return [
    '*filter',
    `:${forward} - [0:0]`,
    `:${input} - [0:0]`,
    `-A ${forward} -s ${subnet} -d ${subnet} -j RETURN`,
    ...dns.flatMap((resolver) =>
      ['udp', 'tcp'].map(
        (proto) => `-A ${forward} -s ${subnet} -d ${resolver} -p ${proto} --dport 53 -j RETURN`,
      ),
    ),
    // Each sandbox is one address on its bridge: a flood of connections is held to its own share.
    `-A ${forward} -s ${subnet} -p tcp --syn -m connlimit --connlimit-above ${MAX_CONNECTIONS_PER_SANDBOX} --connlimit-mask 32 ${reject}`,
    ...FORBIDDEN_DESTINATIONS.map((range) => `-A ${forward} -s ${subnet} -d ${range} ${reject}`),
    ...mirrors.map(
      (address) =>
        `-A ${forward} -s ${subnet} -d ${address} -p tcp -m multiport --dports ${MIRROR_PORTS} -j RETURN`,
    ),
    ...(egress.policy === 'open' ? [] : [`-A ${forward} -s ${subnet} ${reject}`]),
    // A reader's hosts route between themselves with addresses of their own (hosts.ts), which
    // stay on their bridge; leaving it, or reaching the host, with a source not of the subnet is
    // refused, so nothing escapes the rules above by its address.
    `-A ${forward} -i ${bridges} ! -s ${subnet} ! -o ${bridges} ${reject}`,
    `-A ${input} -i ${bridges} ! -s ${subnet} ${reject}`,
    `-A ${input} -s ${subnet} -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN`,
    `-A ${input} -s ${subnet} ${reject}`,
    'COMMIT',
    '',
  ].join('\n');
}

/** The IPv4 addresses of the package mirrors, as this host resolves them now (addresses stay as they are). */
export async function mirrorAddresses(
  mirrors: readonly string[],
): Promise<{ addresses: string[]; unresolved: string[] }> {
  const unresolved: string[] = [];
  const found = await Promise.all(
    mirrors.map(async (mirror) => {
      if (isIPv4(mirror)) return [mirror];
      try {
        return (await lookup(mirror, { all: true, family: 4 })).map((entry) => entry.address);
      } catch {
        unresolved.push(mirror);
        return [];
      }
    }),
  );
  return { addresses: [...new Set(found.flat())].sort(), unresolved };
}

export class FirewallError extends Error {}

/** The IPv4 nameservers of this host, which Docker's embedded DNS forwards to. */
export function resolversIn(resolvConf: string): string[] {
  return [...resolvConf.matchAll(/^\s*nameserver\s+(\S+)/gm)]
    .map((match) => match[1] ?? '')
    .filter((address) => isIPv4(address));
}

/** The host's IPv4 resolvers that a sandbox can be pointed at: not its loopback ones (a local stub). */
export async function hostResolvers(): Promise<string[]> {
  const conf = await readFile('/etc/resolv.conf', 'utf8').catch(() => '');
  return resolversIn(conf).filter((address) => !address.startsWith('127.'));
}

/**
 * Installs the rules for `subnet` and `egress` on this host and hooks them into DOCKER-USER and
 * INPUT. Run again now and then, so `mirrors` follows the package mirror's addresses; names that
 * did not resolve are returned (until they do, sandboxes cannot reach them).
 */
export async function applyFirewall(
  subnet: string,
  egress: { policy: EgressPolicy; mirrors: readonly string[] },
): Promise<{ unresolved: string[] }> {
  const { forward, input, ipv6 } = chainNames(subnet);
  try {
    const resolvers = await hostResolvers();
    const { addresses, unresolved } =
      egress.policy === 'mirrors' ? await mirrorAddresses(egress.mirrors) : { addresses: [], unresolved: [] };
    const rules = firewallRules(subnet, resolvers, { policy: egress.policy, mirrorAddresses: addresses });
    await restore('iptables-restore', rules);
    // Docker creates DOCKER-USER and sends forwarded traffic through it before its own rules.
    await hook('iptables', 'DOCKER-USER', forward);
    await hook('iptables', 'INPUT', input);
    if (
      await access('/proc/sys/net/ipv6').then(
        () => true,
        () => false,
      )
    ) {
      await restore('ip6tables-restore', ipv6Rules(subnet));
      await hook('ip6tables', 'INPUT', ipv6);
      await hook('ip6tables', 'FORWARD', ipv6);
    }
    return { unresolved };
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    throw new FirewallError(
      `could not install the sandbox firewall: ${detail}\nThe server installs host firewall rules (iptables) that keep sandboxes off the host and private networks: run it as root, or set BERTH_FIREWALL=off to serve without them (see SECURITY.md).`,
    );
  }
}

async function restore(command: 'iptables-restore' | 'ip6tables-restore', rules: string): Promise<void> {
  const restoring = run(command, ['--wait', '--noflush']);
  restoring.child.stdin?.end(rules);
  await restoring;
}

/**
 * Whether the rules for `subnet` are still hooked in where applyFirewall put them: a restart of
 * dockerd or someone's `iptables -F` can take them out from under a running server.
 */
export async function firewallInstalled(subnet: string): Promise<boolean> {
  const { forward, input } = chainNames(subnet);
  try {
    await run('iptables', ['--wait', '-C', 'DOCKER-USER', '-j', forward]);
    await run('iptables', ['--wait', '-C', 'INPUT', '-j', input]);
    return true;
  } catch {
    return false;
  }
}

async function hook(command: 'iptables' | 'ip6tables', chain: string, target: string): Promise<void> {
  // Before Docker's first start there is no DOCKER-USER yet; Docker adopts the one made here.
  await run(command, ['--wait', '-n', '-L', chain]).catch(() => run(command, ['--wait', '-N', chain]));
  try {
    await run(command, ['--wait', '-C', chain, '-j', target]);
  } catch {
    await run(command, ['--wait', '-I', chain, '1', '-j', target]);
  }
}
