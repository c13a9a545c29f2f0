import { BlockList, isIP } from 'node:net';

/** `::ffff:1.2.3.4`, as a dual-stack socket reports an IPv4 peer, is 1.2.3.4. */
function plain(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] ?? address;
}

/** The proxies whose X-Forwarded-For is believed: addresses and CIDR ranges, IPv4 or IPv6. */
export function trustedProxies(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', bits] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
  }
  return list;
}

// What trustedProxies() takes, as the config checks BERTH_TRUSTED_PROXIES.

const isTrusted = (address: string, trusted: BlockList) =>
  trusted.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');

/**
 * The reader's address, which session limits count by. A request straight from a reader is
 * its peer; from a trusted proxy, the nearest address in X-Forwarded-For that no trusted proxy
 * added. Entries left of that are the client's to write, so they are never believed.
 */
export function clientAddress(peer: string, forwardedFor: string | undefined, trusted: BlockList): string {
  let client = plain(peer);
  if (forwardedFor === undefined || isIP(client) === 0 || !isTrusted(client, trusted)) return client;
  const hops = forwardedFor.split(',').map((hop) => plain(hop.trim()));
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] ?? '';
    if (isIP(hop) === 0) return client; // not what a proxy writes: keep the last address known good
    client = hop;
    if (!isTrusted(hop, trusted)) return client;
  }
  return client;
}

/** The eight groups of an IPv6 address, zeros filled in, e.g. `2001:db8::1` → 2001,db8,0,…,1. */
function ipv6Groups(address: string): number[] {
  const [head = '', tail] = address.split('::');
  const part = (text: string) =>
    text === '' ? [] : text.split(':').map((group) => Number.parseInt(group, 16));
  const left = part(head);
  const right = tail === undefined ? [] : part(tail);
  return [...left, ...Array(8 - left.length - right.length).fill(0), ...right];
}

/**
 * What per-client limits count by: an IPv4 address as it is, an IPv6 address by its /64. One
 * subscriber is routinely given a whole /64, so counting its addresses one by one would give a
 * single visitor some 18 quintillion clients' worth of sessions.
 */
export function clientKey(address: string): string {
  if (isIP(address) !== 6 || address.includes('.')) return address;
  const groups = ipv6Groups(address.split('%')[0] ?? '').slice(0, 4);
  return `${groups.map((group) => group.toString(16)).join(':')}::/64`;
}
