import { SandboxError } from '../driver.ts';
import { bridgeName } from '../firewall.ts';
import type { Engine } from './engine.ts';

/**
 * Creates each sandbox's bridge on the first free /24 of the configured /16. Docker's default pools
 * hold only about 30 networks; a busy server would run out. Starts in this process never pick the
 * same /24 (`reserving`); another server may take it at the same moment, and then Docker refuses
 * the overlap and the next one is tried.
 */
export class Subnets {
  /** Subnets this process is creating networks on right now. */
  private readonly reserving = new Set<string>();

  constructor(
    private readonly engine: Engine,
    /** A /16 like 10.89.0.0/16. */
    private readonly range: string,
  ) {}

  /** Creates the network `name` and returns its /24. */
  async createNetwork(name: string, labels: Record<string, string>): Promise<string> {
    const { docker } = this.engine;
    const [first, second] = this.range.split('.');
    // Docker reserves a pool before the network shows in its list: a /24 refused as overlapping is
    // skipped from then on, even while it does not show yet.
    const refused = new Set<string>();
    for (let attempt = 0; attempt < 16; attempt++) {
      const taken = new Set(
        (await docker.listNetworks()).flatMap((n) => (n.IPAM?.Config ?? []).map((c) => c.Subnet ?? '')),
      );
      const free = Array.from({ length: 256 }, (_, i) => `${first}.${second}.${i}.0/24`).find(
        (subnet) => !taken.has(subnet) && !refused.has(subnet) && !this.reserving.has(subnet),
      );
      if (!free) throw new SandboxError('no_room', `every /24 of ${this.range} is taken`);
      this.reserving.add(free);
      try {
        await docker.createNetwork({
          Name: name,
          Driver: 'bridge',
          Labels: labels,
          CheckDuplicate: true,
          // Addresses Docker hands out go above .127: below it the reader's hosts have theirs
          // (hosts.ts). The gateway is said too, or Docker would take the range's first for it.
          IPAM: {
            Driver: 'default',
            Config: [
              {
                Subnet: free,
                Gateway: free.replace(/\.0\/24$/, '.1'),
                IPRange: free.replace(/\.0\/24$/, '.128/25'),
              },
            ],
          },
          Options: { 'com.docker.network.bridge.name': bridgeName(free) },
        });
        return free;
      } catch (error) {
        if (!/overlap/i.test(String((error as Error).message))) throw error;
        refused.add(free);
      } finally {
        // Once created it shows in the engine's list, which the next start reads.
        this.reserving.delete(free);
      }
    }
    throw new Error('no free sandbox subnet after 16 tries');
  }

  /** The /24 of an existing network, if it has one. */
  async subnetOf(name: string): Promise<string | undefined> {
    return (await this.engine.docker.getNetwork(name).inspect()).IPAM?.Config?.[0]?.Subnet;
  }
}
