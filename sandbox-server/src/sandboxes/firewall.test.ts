import { describe, expect, it } from 'vitest';
import { bridgeName, chainNames, firewallRules, ipv6Rules, resolversIn } from './firewall.ts';

describe('the firewall rules', () => {
  it('replace both chains whole, let the subnet and DNS to resolvers pass, and refuse the rest', () => {
    const rules = firewallRules('10.89.0.0/16', ['10.255.255.53']).split('\n');
    expect(chainNames('10.89.0.0/16')).toEqual({
      forward: 'BERTH-FWD-10-89',
      input: 'BERTH-IN-10-89',
      ipv6: 'BERTH-V6-10-89',
    });
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
    for (const range of ['0.0.0.0/8', '168.63.129.16/32', '224.0.0.0/4', '240.0.0.0/4']) {
      expect(rules).toContain(
        `-A BERTH-FWD-10-89 -s 10.89.0.0/16 -d ${range} -j REJECT --reject-with icmp-admin-prohibited`,
      );
    }
    expect(rules).toContain(
      '-A BERTH-FWD-10-89 -s 10.89.0.0/16 -p tcp --syn -m connlimit --connlimit-above 256 --connlimit-mask 32 -j REJECT --reject-with icmp-admin-prohibited',
    );
  });

  it("reads the host's IPv4 resolvers from resolv.conf", () => {
    const conf =
      '# generated\nnameserver 10.255.255.53\nnameserver ::1\n  nameserver 169.254.169.254\nsearch x\n';
    expect(resolversIn(conf)).toEqual(['10.255.255.53', '169.254.169.254']);
  });

  it('end with what the egress policy allows: anything, the mirrors on 80 and 443, or nothing', () => {
    const tail = (policy: 'open' | 'mirrors' | 'none') =>
      firewallRules('10.89.0.0/16', ['10.255.255.53'], { policy, mirrorAddresses: ['203.0.113.80'] })
        .split('\n')
        // Past the subnet, DNS, the connection limit and the forbidden ranges: the policy's own.
        .filter(
          (rule) =>
            rule.startsWith('-A BERTH-FWD') &&
            !rule.includes('connlimit') &&
            !rule.includes('--dport 53') &&
            !/ -d \S+ -j /.test(rule) &&
            !rule.includes(' ! -s '),
        );
    expect(tail('open')).toEqual([]);
    expect(tail('mirrors')).toEqual([
      '-A BERTH-FWD-10-89 -s 10.89.0.0/16 -d 203.0.113.80 -p tcp -m multiport --dports 80,443 -j RETURN',
      '-A BERTH-FWD-10-89 -s 10.89.0.0/16 -j REJECT --reject-with icmp-admin-prohibited',
    ]);
    expect(tail('none')).toEqual([
      '-A BERTH-FWD-10-89 -s 10.89.0.0/16 -j REJECT --reject-with icmp-admin-prohibited',
    ]);
    for (const policy of ['mirrors', 'none'] as const) {
      // Under mirrors the forwarder answers DNS, from the sandbox's own network; under none nothing.
      expect(firewallRules('10.89.0.0/16', ['10.255.255.53'], { policy, mirrorAddresses: [] })).not.toMatch(
        /--dport 53/,
      );
    }
  });

  it('refuse a source not of the subnet leaving a sandbox bridge or reaching the host, but not between hosts on one bridge', () => {
    const rules = firewallRules('10.89.0.0/16', []).split('\n');
    expect(rules).toContain(
      '-A BERTH-FWD-10-89 -i b-10-89-+ ! -s 10.89.0.0/16 ! -o b-10-89-+ -j REJECT --reject-with icmp-admin-prohibited',
    );
    expect(rules).toContain(
      '-A BERTH-IN-10-89 -i b-10-89-+ ! -s 10.89.0.0/16 -j REJECT --reject-with icmp-admin-prohibited',
    );
  });

  it('drop all IPv6 from the sandbox bridges, which Berth names by their subnet', () => {
    expect(bridgeName('10.89.7.0/24')).toBe('b-10-89-7');
    expect(bridgeName('10.89.255.0/24').length).toBeLessThanOrEqual(15); // Linux's limit for a name
    expect(ipv6Rules('10.89.0.0/16').split('\n')).toEqual([
      '*filter',
      ':BERTH-V6-10-89 - [0:0]',
      '-A BERTH-V6-10-89 -i b-10-89-+ -j DROP',
      'COMMIT',
      '',
    ]);
  });
});
