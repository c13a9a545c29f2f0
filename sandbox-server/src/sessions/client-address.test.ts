import { describe, expect, it } from 'vitest';
import { isAddressOrRange } from '../config/address-range.ts';
import { clientAddress, clientKey, trustedProxies } from './client-address.ts';

describe('the client address', () => {
  const proxies = trustedProxies(['10.0.0.1', '192.168.0.0/16', 'fd00::/8']);

  it('is the peer when the peer is no trusted proxy, whatever the headers say', () => {
    expect(clientAddress('203.0.113.9', '1.2.3.4', proxies)).toBe('203.0.113.9');
    expect(clientAddress('::ffff:203.0.113.9', undefined, proxies)).toBe('203.0.113.9');
    expect(clientAddress('203.0.113.9', '1.2.3.4', trustedProxies([]))).toBe('203.0.113.9');
  });

  it('behind trusted proxies, is the nearest address they did not add', () => {
    expect(clientAddress('10.0.0.1', '198.51.100.7', proxies)).toBe('198.51.100.7');
    // The reader wrote 6.6.6.6 themselves; the proxy appended the address it saw.
    expect(clientAddress('10.0.0.1', '6.6.6.6, 198.51.100.7', proxies)).toBe('198.51.100.7');
    expect(clientAddress('10.0.0.1', '198.51.100.7, 192.168.4.4', proxies)).toBe('198.51.100.7');
    expect(clientAddress('::ffff:10.0.0.1', '2001:db8::5, fd12::1', proxies)).toBe('2001:db8::5');
  });

  it('keeps the last good address when a hop is not an address', () => {
    expect(clientAddress('10.0.0.1', 'garbage', proxies)).toBe('10.0.0.1');
    expect(clientAddress('10.0.0.1', 'x, 192.168.1.1', proxies)).toBe('192.168.1.1');
    expect(clientAddress('10.0.0.1', '', proxies)).toBe('10.0.0.1');
  });

  it('accepts addresses and CIDR ranges as settings, and nothing else', () => {
    for (const ok of ['10.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8', '0.0.0.0/0'])
      expect(isAddressOrRange(ok)).toBe(true);
    for (const bad of ['', 'proxy.local', '10.0.0.0/33', '::/129', '10.0.0.0/8/1', '10.0.0.0/x']) {
      expect(isAddressOrRange(bad)).toBe(false);
    }
  });
});

describe('what per-client limits count by', () => {
  it('an IPv4 address as it is, an IPv6 one by its /64', () => {
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8:1:2:ffff:eeee:dddd:cccc')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:0DB8:0001:0002:0:0:0:9')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8::')).toBe('2001:db8:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientKey('unknown')).toBe('unknown');
  });
});
