import { isIP } from 'node:net';

/** Whether `entry` is an address or a CIDR range, IPv4 or IPv6, as BERTH_TRUSTED_PROXIES lists them. */
export function isAddressOrRange(entry: string): boolean {
  const [address = '', bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d+$/.test(bits) && n <= (family === 4 ? 32 : 128);
}
