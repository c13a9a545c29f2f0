import { describe, expect, it } from 'vitest';
import { chainNames, firewallRules, resolversIn } from './firewall.ts';

describe('the firewall rules', () => {
  it('replace both chains whole, let the subnet and DNS to resolvers pass, and refuse the rest', () => {
    const rules = firewallRules('10.89.0.0/16', ['10.255.255.53']).split('\n');
    expect(chainNames('10.89.0.0/16')).toEqual({ forward: 'BERTH-FWD-10-89', input: 'BERTH-IN-10-89' });
    expect(rules.slice(0, 3)).toEqual(['*filter', ':BERTH-FWD-10-89 - [0:0]', ':BERTH-IN-10-89 - [0:0]']);
    // Order matters: what passes comes before what is refused.
    const refusedAt = rules.findIndex((rule) => rule.includes('REJECT'));
    const passes = rules.filter((rule, i) => rule.endsWith('-j RETURN') && i < refusedAt);
    expect(passes).toEqual([
      '-A BERTH-FWD-10-89 -s 10.89.0.0/16 -d 10.89.0.0/16 -j RETURN',
      '-A BERTH-FWD-10-89 -s 10.89.0.0/16 -d 10.255.255.53 -p udp --dport 53 -j RETURN',
      '-A BERTH-FWD-10-89 -s 10.89.0.0/16 -d 10.255.255.53 -p tcp --dport 53 -j RETURN',
    ]);
    expect(rules).toContain(
      '-A BERTH-FWD-10-89 -s 10.89.0.0/16 -d 169.254.0.0/16 -j REJECT --reject-with icmp-admin-prohibited',
    );
    expect(rules.at(-3)).toBe(
      '-A BERTH-IN-10-89 -s 10.89.0.0/16 -j REJECT --reject-with icmp-admin-prohibited',
    );
    expect(rules.at(-2)).toBe('COMMIT');
  });

  it("reads the host's IPv4 resolvers from resolv.conf", () => {
    const conf =
      '# generated\nnameserver 10.255.255.53\nnameserver ::1\n  nameserver 169.254.169.254\nsearch x\n';
    expect(resolversIn(conf)).toEqual(['10.255.255.53', '169.254.169.254']);
  });
});
