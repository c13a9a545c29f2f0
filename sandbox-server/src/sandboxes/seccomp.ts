/**
 * The sandbox's seccomp filter. Docker's default profile is an allowlist that forbids, among
 * others, `keyctl`, which the sandbox's own runc needs, and it cannot be amended from the API;
 * running unconfined instead would leave every syscall to capabilities alone, and the sandbox
 * holds CAP_SYS_ADMIN. So this filter refuses, with EPERM, the syscalls Docker's default refuses
 * that neither the inner Docker nor the guide uses: the ones that reach the kernel, the clock,
 * swap and the kernel log, or open files by handle (the "shocker" escape).
 *
 * Left allowed on purpose: mount, unshare, setns, pivot_root, keyctl (the inner runc and
 * dockerd), bpf (runc's device filter on cgroup v2 hosts), ptrace (debuggers in the sandbox).
 */
export const REFUSED_SYSCALLS = [
  // kernel modules and replacing the kernel
  'init_module',
  'finit_module',
  'delete_module',
  'create_module',
  'query_module',
  'get_kernel_syms',
  'kexec_load',
  'kexec_file_load',
  'reboot',
  // the host's clock
  'settimeofday',
  'clock_settime',
  'clock_adjtime',
  'adjtimex',
  // swap, accounting, quotas, the kernel log
  'swapon',
  'swapoff',
  'acct',
  'quotactl',
  'syslog',
  // raw port I/O, file handles, kernel tracing
  'iopl',
  'ioperm',
  'open_by_handle_at',
  'perf_event_open',
  'lookup_dcookie',
  'fanotify_init',
  'userfaultfd',
  // obsolete interfaces
  'nfsservctl',
  'uselib',
  'ustat',
  'sysfs',
  '_sysctl',
] as const;

const EPERM = 1;

/** Every ABI a process on this host may call the kernel with, so none slips past the filter. */
function architectures(): string[] {
  if (process.arch === 'arm64') return ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'];
  return ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'];
}

/** The profile as Docker's API takes it: `SecurityOpt: ["seccomp=<this JSON>"]`. */
export function sandboxSeccompProfile(): string {
  return JSON.stringify({
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: architectures(),
    syscalls: [{ names: [...REFUSED_SYSCALLS], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM }],
  });
}
