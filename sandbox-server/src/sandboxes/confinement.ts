import type Docker from 'dockerode';
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
    // namespaceOwner), not by the container's root, so that root reaches into it (its /proc
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
 * The sandbox's disk: its volume holds the file the entrypoint formats and mounts through a loop
 * device, of `bytes`, so the kernel holds the sandbox to that size (see images/sandbox/outside/setup).
 * The container's root alone can open the loop devices; the reader's side can make no device nodes.
 */
export function sandboxDisk(volume: string, bytes: number): { env: string[]; hostConfig: Docker.HostConfig } {
  return {
    env: [`BERTH_DISK_BYTES=${bytes}`],
    hostConfig: {
      Mounts: [{ Type: 'volume', Source: volume, Target: '/berth/volume' }],
      Devices: [
        { PathOnHost: '/dev/loop-control', PathInContainer: '/dev/loop-control', CgroupPermissions: 'rwm' },
      ],
      DeviceCgroupRules: ['b 7:* rwm'],
    },
  };
}

/** The first host uid berth-ns takes for the owner of a reader's user namespace (berth-ns.c: OWNER_MIN). */
const NAMESPACE_OWNER_BASE = 1_000_000_000;

/**
 * The host uid that owns the reader's user namespace in the sandbox on `subnet24` (its own /24,
 * which no other sandbox on this host has): the kernel counts what the reader's namespaces hold
 * (inotify instances, user namespaces…) against it, so each sandbox has a quota of its own
 * instead of sharing the host root's. Passed as BERTH_NS_OWNER.
 */
export function namespaceOwner(subnet24: string): number {
  const [, second = 0, third = 0] = subnet24.split('.').map(Number);
  return NAMESPACE_OWNER_BASE + second * 256 + third;
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
