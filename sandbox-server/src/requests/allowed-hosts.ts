import { isIP } from 'node:net';
import { ApiError } from '../errors/index.ts';

/**
 * Whether the server answers a request for `host` (its Host header). A DNS-rebinding page reaches
 * a Berth on a laptop or a LAN under the attacker's own name, which then matches its Origin, so
 * the Origin check alone lets it open terminals: the name is checked too. An IP address cannot be
 * rebound, and neither can loopback names (browsers resolve `localhost` and `*.localhost` to
 * loopback themselves), so those always pass; other names only when allowed, `*.example.com`
 * covering every name under example.com.
 */
export function isAllowedHost(host: string | undefined, allowed: readonly string[]): boolean {
  if (!host) return false;
  const name = hostName(host);
  if (name === undefined) return false;
  if (isIP(name) !== 0) return true;
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  return allowed.some((entry) => (entry.startsWith('*.') ? name.endsWith(entry.slice(1)) : name === entry));
}

/** The name part of a Host header, lower-case, without its port or an IPv6 literal's brackets. */
function hostName(host: string): string | undefined {
  const match = /^(?:\[([0-9a-f:.]+)\]|([^:[\]]+))(?::\d{1,5})?$/i.exec(host.trim());
  const name = (match?.[1] ?? match?.[2])?.toLowerCase().replace(/\.$/, '');
  return name === '' ? undefined : name;
}

export function unknownHost(): ApiError {
  return new ApiError(
    'unknown_host',
    'This Berth does not answer to that host name; its operator can add it to BERTH_ALLOWED_HOSTS.',
  );
}
