import type Docker from 'dockerode';
import { readerRootMount } from '../../images/reader-root.ts';
import { sandboxSeccompProfile } from './seccomp.ts';

/**
 * How a sandbox container is confined: not --privileged (it fails on these hosts and is not
 * needed), the few capabilities its inner dockerd needs, its own cgroup namespace. The reader
 * never runs with these: the image's entrypoint, berth-ns, gives them a user namespace of their
 * own inside (see images/sandbox/berth-ns.c).
 */
export function confinement(): Docker.HostConfig {
  return {
    Init: true,
    // SYS_PTRACE: the reader's user namespace is owned by a uid of the sandbox's own (see
    // readerIds), not by the container's root, so that root reaches into it (its /proc
    // namespace files, for berth-ns enter and the network) only with this. The reader holds it
    // only inside their namespace, where they could trace their own processes anyway.
    CapAdd: ['SYS_ADMIN', 'NET_ADMIN', 'SYS_PTRACE'],
    // Unmasked /proc and /sys: the reader's user namespace may mount its own only when it could
    // see all of the container's (Linux's mnt_too_revealing). Only the container's root, never
    // the reader, sees this side's.
    // (--security-opt systempaths=unconfined, which the CLI sends as these two empty lists.)
    MaskedPaths: [],
    ReadonlyPaths: [],
    SecurityOpt: [`seccomp=${sandboxSeccompProfile()}`],
    Tmpfs: { '/run': '', '/tmp': '' },
    Sysctls: { 'net.ipv4.ip_forward': '1' },
    CgroupnsMode: 'private',
  } as Docker.HostConfig;
}

/**
 * The sandbox's storage. Its volume holds the file the entrypoint formats and mounts through a
 * loop device, of `bytes`, so the kernel holds the sandbox to that size; `readerRoot` is the
 * volume of its image's files, shared read-only by every sandbox of that image (see
 * images/reader-root.ts and images/sandbox/outside/setup). The container's root alone can open the
 * loop devices; the reader's side can make no device nodes.
 */
export function sandboxStorage(options: { volume: string; bytes: number; readerRoot: string }): {
  env: string[];
  hostConfig: Docker.HostConfig;
} {
  return {
    env: [`BERTH_DISK_BYTES=${options.bytes}`],
    hostConfig: {
      Mounts: [
        { Type: 'volume', Source: options.volume, Target: '/berth/volume' },
        readerRootMount(options.readerRoot),
      ],
      Devices: [
        { PathOnHost: '/dev/loop-control', PathInContainer: '/dev/loop-control', CgroupPermissions: 'rwm' },
      ],
      DeviceCgroupRules: ['b 7:* rwm'],
    },
  };
}

// The source of the readers' host ids: berth-ns.c checks what it is given against the same bounds,
// and images/ns-bounds.test.ts holds the two together.
/** The first host uid berth-ns takes for the owner of a reader's user namespace. */
const NAMESPACE_OWNER_BASE = 1_000_000_000;
/** Where the readers' id ranges start, and how many ids each has. */
const ID_RANGES_BASE = 2 ** 30;
const ID_COUNT = 65_536;
/** How many ranges fit below 2^31, where some programs take a uid for a negative number. */
const ID_RANGES = 2 ** 14;

/**
 * The host ids of the sandbox on `subnet24`, its own /24, which no other sandbox on this engine
 * has. The kernel counts keys, inotify instances, processes and user namespaces per host uid:
 * one reader's ids and their namespace's owner (which the kernel charges for what the namespaces
 * hold) are that sandbox's alone, so no reader can use up another's quota or the host root's.
 * Ranges follow the /24's place in its /16 and the /16's second number modulo 64: two servers
 * on one engine share ranges only when their /16s are 64 apart (see SECURITY.md).
 */
export function readerIds(subnet24: string): { owner: number; idBase: number; env: string[] } {
  const [, second = 0, third = 0] = subnet24.split('.').map(Number);
  const owner = NAMESPACE_OWNER_BASE + second * 256 + third;
  const idBase = ID_RANGES_BASE + (((second % 64) * 256 + third) % ID_RANGES) * ID_COUNT;
  return { owner, idBase, env: [`BERTH_NS_OWNER=${owner}`, `BERTH_ID_BASE=${idBase}`] };
}

/** The user an exec starts as: the container's root, numeric so Docker reads none of the reader's files. */
export const EXEC_USER = '0:0';
export const READER = { user: 'reader', group: 'reader' };
export const NOBODY = { user: 'nobody', group: 'nogroup' };

/**
 * The command line for an exec: berth-ns joins the reader's namespaces as their root, then
 * becomes `as` when given. An exec starts as the container's root, which is the host's, so it
 * must not start a program of the reader's directly: they can rewrite those.
 */
export function inside(argv: string[], as?: { user: string; group: string }): string[] {
  const enter = ['/berth/berth-ns', 'enter'];
  if (!as) return [...enter, ...argv];
  return [...enter, 'setpriv', `--reuid=${as.user}`, `--regid=${as.group}`, '--init-groups', '--', ...argv];
}
