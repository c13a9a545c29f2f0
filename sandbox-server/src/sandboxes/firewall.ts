import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { isIPv4 } from 'node:net';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Address ranges a sandbox must not reach however its traffic is routed: link-local (the cloud
 * metadata service lives at 169.254.169.254), private networks (the host's neighbours), shared
 * address space, and the host's loopback.
 */
export const FORBIDDEN_DESTINATIONS = [
  '169.254.0.0/16',
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '127.0.0.0/8',
] as const;

/** Chain names for a sandbox subnet, e.g. BERTH-FWD-10-89 for 10.89.0.0/16. */
export function chainNames(subnet: string) {
  const [first, second] = subnet.split('.');
  return { forward: `BERTH-FWD-${first}-${second}`, input: `BERTH-IN-${first}-${second}` };
}

/**
 * The rules, as `iptables-restore --noflush` takes them: declaring a chain empties it, so the
 * whole set is replaced in one step however often a server starts.
 *
 * Forwarded traffic (Docker sends it through DOCKER-USER first, bridged traffic included):
 * within the sandbox subnet it is left to Docker, which keeps each sandbox's bridge apart from
 * the others; DNS to the host's own resolvers passes, since Docker's embedded DNS asks them from
 * inside the sandbox (they are often private, 10.x or 169.254.169.254); anything else to a
 * forbidden range is refused. Traffic to the host itself (INPUT) from the
 * sandbox subnet is refused, except replies: the sandbox has no business with the host's ports,
 * the server's and the Docker API's among them.
 */
export function firewallRules(subnet: string, resolvers: readonly string[]): string {
  const { forward, input } = chainNames(subnet);
  const reject = '-j REJECT --reject-with icmp-admin-prohibited';
  return [
    '*filter',
    `:${forward} - [0:0]`,
    `:${input} - [0:0]`,
    `-A ${forward} -s ${subnet} -d ${subnet} -j RETURN`,
    ...resolvers.flatMap((resolver) =>
      ['udp', 'tcp'].map(
        (proto) => `-A ${forward} -s ${subnet} -d ${resolver} -p ${proto} --dport 53 -j RETURN`,
      ),
    ),
    ...FORBIDDEN_DESTINATIONS.map((range) => `-A ${forward} -s ${subnet} -d ${range} ${reject}`),
    `-A ${input} -s ${subnet} -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN`,
    `-A ${input} -s ${subnet} ${reject}`,
    'COMMIT',
    '',
  ].join('\n');
}

export class FirewallError extends Error {}

/** The IPv4 nameservers of this host, which Docker's embedded DNS forwards to. */
export function resolversIn(resolvConf: string): string[] {
  return [...resolvConf.matchAll(/^\s*nameserver\s+(\S+)/gm)]
    .map((match) => match[1] ?? '')
    .filter((address) => isIPv4(address));
}

/** Installs the rules for `subnet` on this host and hooks them into DOCKER-USER and INPUT. */
export async function applyFirewall(subnet: string): Promise<void> {
  const { forward, input } = chainNames(subnet);
  try {
    const resolvers = resolversIn(await readFile('/etc/resolv.conf', 'utf8').catch(() => ''));
    const restore = run('iptables-restore', ['--wait', '--noflush']);
    restore.child.stdin?.end(firewallRules(subnet, resolvers));
    await restore;
    // Docker creates DOCKER-USER and sends forwarded traffic through it before its own rules.
    await hook('DOCKER-USER', forward);
    await hook('INPUT', input);
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    throw new FirewallError(
      `could not install the sandbox firewall: ${detail}\nThe server installs host firewall rules (iptables) that keep sandboxes off the host and private networks: run it as root, or set BERTH_FIREWALL=off to serve without them (see SECURITY.md).`,
    );
  }
}

async function hook(chain: string, target: string): Promise<void> {
  // Before Docker's first start there is no DOCKER-USER yet; Docker adopts the one made here.
  await run('iptables', ['--wait', '-n', '-L', chain]).catch(() => run('iptables', ['--wait', '-N', chain]));
  try {
    await run('iptables', ['--wait', '-C', chain, '-j', target]);
  } catch {
    await run('iptables', ['--wait', '-I', chain, '1', '-j', target]);
  }
}
