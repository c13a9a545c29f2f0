import { describe, expect, it } from 'vitest';
import { forwarderAddress, forwarderArgs } from './dns-forwarder.ts';

describe("the sandboxes' DNS forwarder", () => {
  it('forwards each allowed name to each resolver, and nothing else', () => {
    const args = forwarderArgs(['deb.debian.org', 'security.debian.org'], ['10.255.255.53', '192.0.2.53']);
    expect(args).toContain('--no-resolv');
    expect(args).toContain('--no-hosts');
    expect(args.filter((arg) => arg.startsWith('--server='))).toEqual([
      '--server=/deb.debian.org/10.255.255.53',
      '--server=/deb.debian.org/192.0.2.53',
      '--server=/security.debian.org/10.255.255.53',
      '--server=/security.debian.org/192.0.2.53',
    ]);
    expect(forwarderArgs([], ['10.255.255.53']).some((arg) => arg.startsWith('--server='))).toBe(false);
  });

  it('sits at the same address of every sandbox network', () => {
    expect(forwarderAddress('10.89.7.0/24')).toBe('10.89.7.253');
  });
});
