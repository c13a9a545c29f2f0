import type Docker from 'dockerode';
import type { Config } from '../../config/index.ts';
import { bridgeAddress, FIRST_HOST, type HostName } from '../hosts.ts';
import { confinement, readerIds, sandboxStorage } from './confinement.ts';

export type SandboxSettings = Config['sandbox'];

/**
 * CPU weight of a sandbox while it starts, against Docker's default 1024 once it is ready
 * (readiness.ts): on a busy machine the commands readers are waiting for go before sandboxes no
 * one can type into yet.
 */
const STARTING_CPU_SHARES = 128;
export const READY_CPU_SHARES = 1024;

/**
 * The container of one host of a sandbox: confined, limited, on the reader's network at the
 * host's own address there, with its disk on `volume`.
 */
export function sandboxContainer(
  settings: SandboxSettings,
  parts: {
    name: string;
    host: HostName;
    network: string;
    subnet: string;
    volume: string;
    readerRoot: string;
    resolvers: string[];
    labels: Record<string, string>;
  },
): Docker.ContainerCreateOptions {
  const storage = sandboxStorage({
    volume: parts.volume,
    bytes: parts.host === FIRST_HOST ? settings.diskBytes : settings.hostDiskBytes,
    readerRoot: parts.readerRoot,
  });
  return {
    name: parts.name,
    Image: settings.image,
    Hostname: parts.host,
    Labels: parts.labels,
    Env: [
      'DOCKER_ALLOW_IPV6_ON_IPV4_INTERFACE=1',
      `BERTH_HOST=${parts.host}`,
      `BERTH_HOSTS_MAX=${settings.hostsPerReader}`,
      `BERTH_DNS=${parts.resolvers.join(' ')}`,
      ...storage.env,
      ...readerIds(parts.subnet).env,
    ],
    HostConfig: {
      ...confinement(),
      Memory: settings.memoryBytes,
      MemorySwap: settings.memoryBytes,
      NanoCpus: Math.round(settings.cpus * 1e9),
      CpuShares: STARTING_CPU_SHARES,
      PidsLimit: settings.pids,
      // A capped, compact file. Blocking, on purpose: under a flood the engine's non-blocking
      // mode spent 1.8 cores and 1 GB on the ring buffer where blocking spent one core; and
      // once ready nothing of the reader's holds the log (see berth-ns.c), so only the
      // container's own side ever writes it.
      LogConfig: {
        Type: 'local',
        Config: {
          'max-size': String(settings.logSizeBytes),
          'max-file': '1',
          compress: 'false', // the local driver refuses compression with a single file
        },
      },
      NetworkMode: parts.network,
      ...storage.hostConfig,
      Runtime: settings.runtime,
      ...settings.runtimeFlags,
    } as Docker.HostConfig,
    NetworkingConfig: {
      EndpointsConfig: {
        [parts.network]: { IPAMConfig: { IPv4Address: bridgeAddress(parts.subnet, parts.host) } },
      },
    },
  };
}
