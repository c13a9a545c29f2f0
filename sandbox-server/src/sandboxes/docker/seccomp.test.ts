import { describe, expect, it } from 'vitest';
import { ALLOWED, REFUSED, sandboxSeccompProfile } from './seccomp.ts';

type Rule = {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: { index: number; value: number; op: string }[];
};
const profile = JSON.parse(sandboxSeccompProfile()) as {
  defaultAction: string;
  defaultErrnoRet: number;
  syscalls: Rule[];
};
const rulesFor = (name: string) => profile.syscalls.filter((rule) => rule.names.includes(name));

describe("the sandbox's seccomp profile", () => {
  it('is an allowlist: anything unlisted answers ENOSYS, as on a kernel without it', () => {
    expect(profile.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(profile.defaultErrnoRet).toBe(38);
  });

  it('refuses with EPERM what it refuses on purpose, and allows none of it anywhere', () => {
    for (const name of [
      'io_uring_setup',
      'io_uring_enter',
      'io_uring_register',
      'bpf',
      'add_key',
      'request_key',
      'kexec_load',
      'open_by_handle_at',
      'socketcall',
    ]) {
      expect(REFUSED).toContain(name);
      expect(
        rulesFor(name).every((rule) => rule.action === 'SCMP_ACT_ERRNO' && rule.errnoRet === 1),
        name,
      ).toBe(true);
    }
    expect(ALLOWED.filter((name) => REFUSED.includes(name))).toEqual([]);
  });

  it('allows AF_VSOCK sockets nowhere, and keyctl only for the operations runc uses', () => {
    const socket = rulesFor('socket');
    expect(socket.find((rule) => rule.action === 'SCMP_ACT_ALLOW')?.args).toEqual([
      { index: 0, value: 40, op: 'SCMP_CMP_NE' },
    ]);
    expect(socket.find((rule) => rule.errnoRet === 1)?.args).toEqual([
      { index: 0, value: 40, op: 'SCMP_CMP_EQ' },
    ]);
    const keyctl = rulesFor('keyctl');
    expect(
      keyctl.every((rule) => rule.action === 'SCMP_ACT_ALLOW' && rule.args?.[0]?.op === 'SCMP_CMP_EQ'),
    ).toBe(true);
    expect(keyctl.map((rule) => rule.args?.[0]?.value)).toEqual([0, 1, 5, 6]);
  });

  it('gives what a Docker host of its own needs', () => {
    for (const name of [
      'mount',
      'umount2',
      'pivot_root',
      'unshare',
      'setns',
      'clone',
      'clone3',
      'sethostname',
    ]) {
      expect(ALLOWED).toContain(name);
    }
  });
});
