/**
 * A reader's sandbox is a set of hosts, `node1` from the start and `node2`, `node3`, … added on
 * request, each a sandbox of its own on the reader's one network. Their names, their addresses
 * and how many a reader may have are here; the driver, the sessions and the routes share them.
 */

/** `node1` to `node9`: the numbers are addresses too (see images/sandbox/outside/network). */
export type HostName = `node${number}`;

export const FIRST_HOST: HostName = 'node1';

const HOST_NAME = /^node([1-9])$/;

export function isHostName(text: string): text is HostName {
  return HOST_NAME.test(text);
}

export function hostNumber(host: HostName): number {
  return Number(HOST_NAME.exec(host)?.[1] ?? Number.NaN);
}

export function hostNamed(number: number): HostName {
  return `node${number}`;
}

/** Host names in their order: node1, node2, … */
export function byHostNumber(hosts: Iterable<HostName>): HostName[] {
  return [...new Set(hosts)].sort((a, b) => hostNumber(a) - hostNumber(b));
}

/** The lowest host number not in `hosts`, up to `max`; undefined when all are there. */
export function nextHost(hosts: Iterable<HostName>, max: number): HostName | undefined {
  const taken = new Set(hosts);
  for (let number = 1; number <= max; number++) {
    if (!taken.has(hostNamed(number))) return hostNamed(number);
  }
  return undefined;
}

/** A host's address on the reader's bridge (a /24 like 10.89.7.0/24): nodeN at .(10+N). */
export function bridgeAddress(subnet24: string, host: HostName): string {
  return subnet24.replace(/\.0\/24$/, `.${10 + hostNumber(host)}`);
}

/** Where the reader's side of a host is, as every host of theirs reaches it. */
export function innerAddress(host: HostName): string {
  return `100.64.${hostNumber(host)}.2`;
}
