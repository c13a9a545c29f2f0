/**
 * Where a window's CPU went: the host's processes read from /proc/<pid>/stat before and after,
 * summed into groups, and the sandbox container's own cgroup. A process's time is its own
 * (utime+stime) and that of the children it reaped (cutime+cstime), so short-lived processes
 * (runc, iptables) show in their parent's row. What no row holds is said as "not attributed".
 */
import { readdirSync, readFileSync } from 'node:fs';
import { hostBusySeconds, TICKS_PER_SECOND } from './host-cpu.ts';

/** A cgroup that holds CPU accounting: its v1 hierarchy (e.g. `cpu,cpuacct`; empty under v2) and path. */
export type Cgroup = { hierarchy: string; path: string };

type ProcessTimes = { pid: number; ppid: number; comm: string; cgroup: string; seconds: number };

/** The host at one moment: its busy time, and each process by pid and start time (pids are reused). */
export type CpuSnapshot = { busy: number; processes: Map<string, ProcessTimes> };

/** The CPU-accounting cgroup of a process, as /proc/<pid>/cgroup names it. */
export function cgroupOf(pid: number | string): Cgroup | undefined {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n');
  for (const line of lines) {
    const [, hierarchy = '', path = ''] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (hierarchy.split(',').includes('cpuacct')) return { hierarchy, path };
  }
  const unified = lines.find((line) => line.startsWith('0::'));
  return unified === undefined ? undefined : { hierarchy: '', path: unified.slice(3) };
}

/** CPU time a cgroup and its descendants used since it was made, in seconds. */
export function cgroupCpuSeconds({ hierarchy, path }: Cgroup): number {
  if (hierarchy)
    return Number(readFileSync(`/sys/fs/cgroup/${hierarchy}${path}/cpuacct.usage`, 'utf8')) / 1e9;
  const usec = /usage_usec (\d+)/.exec(readFileSync(`/sys/fs/cgroup${path}/cpu.stat`, 'utf8'))?.[1];
  return Number(usec ?? 0) / 1e6;
}

function readProcess(pid: string): [string, ProcessTimes] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    // After the name: state, ppid, … utime (11), stime (12), cutime (13), cstime (14), … starttime (19).
    const fields = stat.slice(close + 2).split(' ');
    const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
    const times: ProcessTimes = {
      pid: Number(pid),
      ppid: Number(fields[1]),
      comm: stat.slice(stat.indexOf('(') + 1, close),
      cgroup: cgroupOf(pid)?.path ?? '',
      seconds: ticks / TICKS_PER_SECOND,
    };
    return [`${pid}@${fields[19]}`, times];
  } catch {
    return undefined; // it ended between the listing and the read
  }
}

export function cpuSnapshot(): CpuSnapshot {
  const busy = hostBusySeconds();
  const processes = new Map<string, ProcessTimes>();
  for (const pid of readdirSync('/proc')) {
    const found = /^\d+$/.test(pid) ? readProcess(pid) : undefined;
    if (found) processes.set(...found);
  }
  return { busy, processes };
}

export const CPU_GROUPS = [
  'host dockerd',
  'host containerd, shims, runc',
  'sandbox cgroup',
  'Berth server (node)',
  'bench client (node)',
  'kernel workers',
  'other containers',
  'other processes',
  'not attributed',
] as const;
export type CpuGroup = (typeof CPU_GROUPS)[number];

/** What the run knows of who is who. */
export type Parties = { serverPid: number; sandbox: Cgroup };

const inside = (cgroup: string, parent: string) => cgroup === parent || cgroup.startsWith(`${parent}/`);

function groupOf(p: ProcessTimes, { serverPid, sandbox }: Parties): CpuGroup {
  if (inside(p.cgroup, sandbox.path)) return 'sandbox cgroup';
  if (p.pid === serverPid) return 'Berth server (node)';
  if (p.pid === process.pid) return 'bench client (node)';
  // cgroupfs puts containers (and builds) under /docker/, systemd under docker-<id>.scope.
  if (/\/docker\/|\/docker-[0-9a-f]+\.scope/.test(p.cgroup)) return 'other containers';
  if (p.comm === 'dockerd') return 'host dockerd';
  if (p.comm.startsWith('containerd') || p.comm === 'runc') return 'host containerd, shims, runc';
  if (p.pid === 2 || p.ppid === 2) return 'kernel workers';
  return 'other processes';
}

/**
 * Core-seconds per group between two snapshots. The sandbox's row is its cgroup's own count
 * (`sandboxSeconds`, before and after), not its processes', so what ended inside it is counted;
 * the rest are per-process deltas, a process born in the window counted from zero. The parent of a
 * process that ended may itself have ended unseen, or not reaped it yet: that time is in no row.
 */
export function whereItWent(
  from: CpuSnapshot,
  to: CpuSnapshot,
  sandboxSeconds: { from: number; to: number },
  parties: Parties,
): Map<CpuGroup | 'host busy', number> {
  const groups = new Map<CpuGroup | 'host busy', number>(CPU_GROUPS.map((group) => [group, 0]));
  const add = (group: CpuGroup, seconds: number) => {
    if (group !== 'sandbox cgroup') groups.set(group, (groups.get(group) ?? 0) + seconds);
  };
  for (const [key, p] of to.processes)
    add(groupOf(p, parties), p.seconds - (from.processes.get(key)?.seconds ?? 0));
  // A process that ended in the window came into its parent's reaped count whole: what it had used
  // before the window is taken back off the parent's group (its own when the parent is gone too).
  const alive = new Map([...to.processes.values()].map((p) => [p.pid, p]));
  for (const [key, p] of from.processes) {
    if (to.processes.has(key)) continue;
    add(groupOf(alive.get(p.ppid) ?? p, parties), -p.seconds);
  }
  groups.set('sandbox cgroup', sandboxSeconds.to - sandboxSeconds.from);
  const busy = to.busy - from.busy;
  const attributed = [...groups.values()].reduce((sum, seconds) => sum + seconds, 0);
  groups.set('not attributed', busy - attributed);
  groups.set('host busy', busy);
  return groups;
}
