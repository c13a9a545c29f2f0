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
    CapAdd: ['SYS_ADMIN', 'NET_ADMIN'],
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
