/**
 * The sandbox's seccomp filter: an allowlist, as Docker's default profile is, of what ordinary
 * programs call, plus what the inner Docker needs of a container that holds CAP_SYS_ADMIN (mounts,
 * namespaces, pivot_root, keyrings for its runc). Docker's own profile cannot be amended through
 * the API and refuses keyctl, which the inner runc needs; running unconfined would leave every
 * syscall to capabilities alone. It applies to the reader too: their namespaces are the
 * container's children.
 *
 * Anything not listed answers ENOSYS, so a program probing a syscall newer than this list falls
 * back as it would on an older kernel. What is refused on purpose answers EPERM (REFUSED).
 */

/** What any program may call: files, memory, processes, signals, time, sockets, SysV and POSIX IPC. */
// biome-ignore format: grouped by purpose, a line a group
const ORDINARY = [
  // files and directories
  'access', 'chdir', 'chmod', 'chown', 'chown32', 'close', 'close_range', 'copy_file_range',
  'creat', 'dup', 'dup2', 'dup3', 'faccessat', 'faccessat2', 'fadvise64', 'fadvise64_64',
  'fallocate', 'fchdir', 'fchmod', 'fchmodat', 'fchmodat2', 'fchown', 'fchown32', 'fchownat',
  'fcntl', 'fcntl64', 'fdatasync', 'fgetxattr', 'flistxattr', 'flock', 'fremovexattr', 'fsetxattr',
  'fstat', 'fstat64', 'fstatat64', 'fstatfs', 'fstatfs64', 'fsync', 'ftruncate', 'ftruncate64',
  'futimesat', 'getcwd', 'getdents', 'getdents64', 'getxattr', 'inotify_add_watch', 'inotify_init',
  'inotify_init1', 'inotify_rm_watch', 'fanotify_mark', 'lchown', 'lchown32', 'lgetxattr', 'link',
  'linkat', 'listxattr', 'llistxattr', '_llseek', 'lremovexattr', 'lseek', 'lsetxattr', 'lstat',
  'lstat64', 'mkdir', 'mkdirat', 'mknod', 'mknodat', 'name_to_handle_at', 'newfstatat', 'open',
  'openat', 'openat2', 'pread64', 'preadv', 'preadv2', 'pwrite64', 'pwritev', 'pwritev2', 'read',
  'readahead', 'readlink', 'readlinkat', 'readv', 'removexattr', 'rename', 'renameat', 'renameat2',
  'rmdir', 'sendfile', 'sendfile64', 'setxattr', 'splice', 'stat', 'stat64', 'statfs', 'statfs64',
  'statx', 'symlink', 'symlinkat', 'sync', 'sync_file_range', 'syncfs', 'tee', 'truncate',
  'truncate64', 'umask', 'unlink', 'unlinkat', 'utime', 'utimensat', 'utimensat_time64', 'utimes',
  'vmsplice', 'write', 'writev',
  // asynchronous I/O and waiting on many files (not io_uring: REFUSED)
  'epoll_create', 'epoll_create1', 'epoll_ctl', 'epoll_ctl_old', 'epoll_pwait', 'epoll_pwait2',
  'epoll_wait', 'epoll_wait_old', 'eventfd', 'eventfd2', 'io_cancel', 'io_destroy', 'io_getevents',
  'io_pgetevents', 'io_pgetevents_time64', 'io_setup', 'io_submit', 'poll', 'ppoll', 'ppoll_time64',
  'pselect6', 'pselect6_time64', 'select', '_newselect', 'signalfd', 'signalfd4', 'timerfd_create',
  'timerfd_gettime', 'timerfd_gettime64', 'timerfd_settime', 'timerfd_settime64', 'ioctl', 'pipe',
  'pipe2',
  // memory
  'brk', 'madvise', 'membarrier', 'memfd_create', 'memfd_secret', 'mincore', 'mlock', 'mlock2',
  'mlockall', 'mmap', 'mmap2', 'mprotect', 'mremap', 'msync', 'munlock', 'munlockall', 'munmap',
  'pkey_alloc', 'pkey_free', 'pkey_mprotect', 'remap_file_pages', 'process_mrelease',
  // processes, threads, identities, limits, scheduling
  'capget', 'capset', 'execve', 'execveat', 'exit', 'exit_group', 'fork', 'vfork', 'futex',
  'futex_time64', 'futex_waitv', 'futex_wake', 'futex_wait', 'futex_requeue', 'getcpu', 'getegid',
  'getegid32', 'geteuid', 'geteuid32', 'getgid', 'getgid32', 'getgroups', 'getgroups32',
  'getitimer', 'getpgid', 'getpgrp', 'getpid', 'getppid', 'getpriority', 'getrandom', 'getresgid',
  'getresgid32', 'getresuid', 'getresuid32', 'getrlimit', 'get_robust_list', 'getrusage', 'getsid',
  'get_thread_area', 'gettid', 'getuid', 'getuid32', 'ioprio_get', 'ioprio_set', 'kill',
  'landlock_add_rule', 'landlock_create_ruleset', 'landlock_restrict_self', 'pidfd_open',
  'pidfd_send_signal', 'prctl', 'prlimit64', 'restart_syscall', 'rseq', 'sched_getaffinity',
  'sched_getattr', 'sched_getparam', 'sched_get_priority_max', 'sched_get_priority_min',
  'sched_getscheduler', 'sched_rr_get_interval', 'sched_rr_get_interval_time64',
  'sched_setaffinity', 'sched_setattr', 'sched_setparam', 'sched_setscheduler', 'sched_yield',
  'seccomp', 'setfsgid', 'setfsgid32', 'setfsuid', 'setfsuid32', 'setgid', 'setgid32', 'setgroups',
  'setgroups32', 'setitimer', 'setpgid', 'setpriority', 'setregid', 'setregid32', 'setresgid',
  'setresgid32', 'setresuid', 'setresuid32', 'setreuid', 'setreuid32', 'setrlimit',
  'set_robust_list', 'setsid', 'set_thread_area', 'set_tid_address', 'setuid', 'setuid32', 'tgkill',
  'tkill', 'ugetrlimit', 'uname', 'wait4', 'waitid', 'waitpid', 'sysinfo', 'times',
  // signals
  'alarm', 'pause', 'rt_sigaction', 'rt_sigpending', 'rt_sigprocmask', 'rt_sigqueueinfo',
  'rt_sigreturn', 'rt_sigsuspend', 'rt_sigtimedwait', 'rt_sigtimedwait_time64', 'rt_tgsigqueueinfo',
  'sigaltstack', 'sigprocmask', 'sigreturn',
  // time (reading it, timers, sleeping; setting it is REFUSED)
  'clock_getres', 'clock_getres_time64', 'clock_gettime', 'clock_gettime64', 'clock_nanosleep',
  'clock_nanosleep_time64', 'gettimeofday', 'nanosleep', 'time', 'timer_create', 'timer_delete',
  'timer_getoverrun', 'timer_gettime', 'timer_gettime64', 'timer_settime', 'timer_settime64',
  // sockets (socket itself is allowed by address family, below)
  'accept', 'accept4', 'bind', 'connect', 'getpeername', 'getsockname', 'getsockopt', 'listen',
  'recv', 'recvfrom', 'recvmmsg', 'recvmmsg_time64', 'recvmsg', 'send', 'sendmmsg', 'sendmsg',
  'sendto', 'setsockopt', 'shutdown', 'socketpair',
  // SysV and POSIX IPC
  'ipc', 'mq_getsetattr', 'mq_notify', 'mq_open', 'mq_timedreceive', 'mq_timedreceive_time64',
  'mq_timedsend', 'mq_timedsend_time64', 'mq_unlink', 'msgctl', 'msgget', 'msgrcv', 'msgsnd',
  'semctl', 'semget', 'semop', 'semtimedop', 'semtimedop_time64', 'shmat', 'shmctl', 'shmdt',
  'shmget',
  // architecture-specific basics
  'arch_prctl', 'modify_ldt',
];

/**
 * What a Docker host of its own needs, which Docker's default gives a container only with
 * CAP_SYS_ADMIN (it has it): mounts old and new, namespaces, a root of its own for each container,
 * host and domain names; and debuggers, which a reader's root may use on their own processes.
 */
// biome-ignore format: grouped by purpose, a line a group
const DOCKER_HOST = [
  'mount', 'umount', 'umount2', 'pivot_root', 'chroot', 'fsopen', 'fsconfig', 'fsmount', 'fspick',
  'move_mount', 'open_tree', 'mount_setattr', 'clone', 'clone3', 'unshare', 'setns', 'sethostname',
  'setdomainname', 'ptrace', 'process_vm_readv', 'process_vm_writev', 'kcmp', 'pidfd_getfd',
  'process_madvise',
];

/**
 * Refused with EPERM, named so the refusal is plain: kernel modules, kexec and reboot, the clock,
 * swap, accounting, quotas, the kernel log, raw port I/O, file handles (the "shocker" escape),
 * kernel tracing; io_uring (a large kernel surface that seccomp cannot see into: moby#46762), bpf
 * (no use to the inner Docker on cgroup v1, and in a user namespace it cannot load cgroup device
 * programs anyway), the kernel keyrings beyond what runc needs (add_key and request_key fill the
 * per-uid key quota every sandbox shares), the 32-bit socket multiplexer (it would carry a socket
 * call past the address-family rule), userfaultfd, obsolete calls.
 */
// biome-ignore format: grouped by purpose, a line a group
export const REFUSED = [
  'init_module', 'finit_module', 'delete_module', 'create_module', 'query_module',
  'get_kernel_syms', 'kexec_load', 'kexec_file_load', 'reboot', 'settimeofday', 'stime',
  'clock_settime', 'clock_settime64', 'clock_adjtime', 'clock_adjtime64', 'adjtimex', 'swapon',
  'swapoff', 'acct', 'quotactl', 'quotactl_fd', 'syslog', 'vhangup', 'iopl', 'ioperm',
  'open_by_handle_at', 'perf_event_open', 'lookup_dcookie', 'fanotify_init', 'userfaultfd',
  'io_uring_setup', 'io_uring_enter', 'io_uring_register', 'bpf', 'add_key', 'request_key',
  'socketcall', 'get_mempolicy', 'set_mempolicy', 'set_mempolicy_home_node', 'mbind',
  'migrate_pages', 'move_pages', 'nfsservctl', 'uselib', 'ustat', 'sysfs', '_sysctl',
];

/** AF_VSOCK: sockets to the hypervisor and its other guests, which a sandbox has no business with. */
const AF_VSOCK = 40;
/**
 * The keyctl operations runc uses to give each container a session keyring of its own:
 * GET_KEYRING_ID (0), JOIN_SESSION_KEYRING (1), SETPERM (5), DESCRIBE (6); the others answer ENOSYS.
 * (The inner Docker's containers get none: NoNewKeyring in images/sandbox/daemon.json. Its builds'
 * runc still joins one.)
 */
const RUNC_KEYCTL_OPERATIONS = [0, 1, 5, 6];
/** personality(2) values programs set: Linux, 32-bit Linux, no address randomisation, and querying. */
const PERSONALITIES = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff];

const EPERM = 1;
const ENOSYS = 38;

/** Every ABI a process on this host may call the kernel with, so none slips past the filter. */
function architectures(): string[] {
  if (process.arch === 'arm64') return ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'];
  return ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'];
}

const equals = (index: number, value: number) => ({ index, value, op: 'SCMP_CMP_EQ' });

/** The profile as Docker's API takes it: `SecurityOpt: ["seccomp=<this JSON>"]`. */
export function sandboxSeccompProfile(): string {
  const allow = 'SCMP_ACT_ALLOW';
  return JSON.stringify({
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: ENOSYS,
    architectures: architectures(),
    syscalls: [
      { names: [...ORDINARY, ...DOCKER_HOST], action: allow },
      { names: ['socket'], action: allow, args: [{ index: 0, value: AF_VSOCK, op: 'SCMP_CMP_NE' }] },
      ...RUNC_KEYCTL_OPERATIONS.map((op) => ({ names: ['keyctl'], action: allow, args: [equals(0, op)] })),
      ...PERSONALITIES.map((value) => ({ names: ['personality'], action: allow, args: [equals(0, value)] })),
      // Refused on purpose, so EPERM and not the ENOSYS of what is merely unlisted. (Where rules
      // of one syscall disagree, the kernel takes the stricter: so keyctl's other operations and
      // other personalities are not given EPERM here, which would win over the allowed ones.)
      { names: REFUSED, action: 'SCMP_ACT_ERRNO', errnoRet: EPERM },
      { names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM, args: [equals(0, AF_VSOCK)] },
    ],
  });
}

/** The syscalls the profile lets through unconditionally, for tests and SECURITY.md. */
export const ALLOWED = [...ORDINARY, ...DOCKER_HOST];
