import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { engineStatus, ignoreMissing } from '../errors/index.ts';
import { DNS_IMAGE } from '../images/dns-image.ts';

/** Labels the forwarder with what it was made to answer, so a change of mirrors makes it again. */
const CONFIG_LABEL = 'berth.dns.config';

/** The forwarder's own address on every sandbox network: the same, so an adopted sandbox keeps it. */
export function forwarderAddress(subnet24: string): string {
  return subnet24.replace(/\.0\/24$/, '.253');
}

/**
 * dnsmasq's arguments: forward each allowed name (and the names under it) to the host's
 * resolvers, and nothing else. With no upstream of its own (`--no-resolv`) and no hosts file, any
 * other name is answered REFUSED, so a sandbox cannot tunnel through DNS or read the host's
 * private zones; at most 150 queries wait upstream at once.
 */
export function forwarderArgs(names: readonly string[], resolvers: readonly string[]): string[] {
  return [
    '--no-resolv',
    '--no-hosts',
    '--no-poll',
    '--cache-size=1000',
    '--pid-file=',
    '--dns-forward-max=150',
    ...names.flatMap((name) => resolvers.map((resolver) => `--server=/${name}/${resolver}`)),
  ];
}

/**
 * The DNS forwarder of this server's sandboxes under the `mirrors` egress policy: a container on a
 * network of its own (its way to the host's resolvers, which the sandbox firewall does not touch)
 * attached to each sandbox network at a fixed address, which the sandbox is given as its resolver.
 */
export class DnsForwarder {
  private readonly name: string;
  /**
   * Its own network, whose gateway must stay its default route once sandbox networks are attached:
   * Docker takes the default route from the network whose name sorts first, so this one's name
   * sorts before every sandbox network's (berth-<instance>-<hex>). Through a sandbox network, its
   * questions upstream would come from a sandbox's address, which the firewall refuses.
   */
  private readonly network: string;

  constructor(
    private readonly docker: Docker,
    instance: string,
    private readonly log: Logger,
    /** The names it forwards, and where to: the mirrors' names and the host's resolvers. */
    private readonly answers: () => Promise<{
      names: readonly string[];
      resolvers: readonly string[];
    }>,
  ) {
    this.name = `berth-${instance}-dns`;
    this.network = `berth-${instance}-.dns`;
  }

  /** Makes the forwarder answer what it is to answer, making it again if it answers anything else; starts it. */
  async ensure(): Promise<void> {
    const { names, resolvers } = await this.answers();
    const args = forwarderArgs(names, resolvers);
    const config = createHash('sha256').update(JSON.stringify(args)).digest('hex').slice(0, 16);
    const container = this.docker.getContainer(this.name);
    let current: Docker.ContainerInspectInfo | undefined;
    try {
      current = await container.inspect();
    } catch (error) {
      if (engineStatus(error) !== 404) throw error;
    }
    if (current?.Config.Labels?.[CONFIG_LABEL] === config) {
      if (!current.State.Running) await container.start();
      return;
    }
    // Sandboxes attached to the old one lose it here; they are attached again as they are adopted.
    if (current) await container.remove({ force: true });
    await ignoreMissing(async () => {
      const networks = await this.docker.listNetworks({ filters: JSON.stringify({ name: [this.network] }) });
      if (!networks.some((network) => network.Name === this.network)) {
        await this.docker.createNetwork({ Name: this.network, Driver: 'bridge', CheckDuplicate: true });
      }
    });
    const made = await this.docker.createContainer({
      name: this.name,
      Image: DNS_IMAGE,
      Cmd: args,
      Labels: { [CONFIG_LABEL]: config },
      HostConfig: {
        NetworkMode: this.network,
        RestartPolicy: { Name: 'unless-stopped' },
        Memory: 64 * 1024 * 1024,
        PidsLimit: 32,
        LogConfig: { Type: 'local', Config: { 'max-size': '10m', 'max-file': '1', compress: 'false' } },
        CapDrop: ['ALL'],
        CapAdd: ['NET_BIND_SERVICE', 'SETUID', 'SETGID'],
      },
    });
    await made.start();
    this.log.info({ event: 'dns_forwarder', names }, `sandboxes resolve only ${names.join(', ')}`);
  }

  /** Attaches the forwarder to a sandbox network at its fixed address, which it returns. */
  async connect(network: string, subnet24: string): Promise<string> {
    const address = forwarderAddress(subnet24);
    const connect = () =>
      this.docker.getNetwork(network).connect({
        Container: this.name,
        EndpointConfig: { IPAMConfig: { IPv4Address: address } },
      });
    try {
      await connect();
    } catch (error) {
      if (/already exists/.test(String((error as Error).message))) return address;
      // Not there (the engine was down when the server started, or someone removed it): make it.
      if (engineStatus(error) !== 404) throw error;
      await this.ensure();
      await connect();
    }
    return address;
  }

  /** Removes the forwarder and its network, once no server of this instance will run again. */
  async remove(): Promise<void> {
    await ignoreMissing(() => this.docker.getContainer(this.name).remove({ force: true }));
    await ignoreMissing(() => this.docker.getNetwork(this.network).remove());
  }

  /** Must come before the network's removal: Docker refuses to remove a network still in use. */
  async disconnect(network: string): Promise<void> {
    try {
      await this.docker.getNetwork(network).disconnect({ Container: this.name, Force: true });
    } catch (error) {
      const message = String((error as Error).message);
      if (engineStatus(error) === 404 || /is not connected/.test(message)) return;
      throw error;
    }
  }
}
