/**
 * What one cold start costs the host and where it goes (issue 17): `runs` sessions one after
 * another on a server without a pool, each measured in two windows, session start → a shell that
 * answers, then that shell → `docker info` done in it (the inner engine ready: today it starts with
 * the sandbox, later on the first docker command). Each window's core-seconds come from /proc/stat,
 * split by process (process-cpu.ts); every figure is the p50 over the runs.
 */
import { createSession, endSession, sandboxContainer } from '../sandbox-server/src/testing/server.ts';
import { type Figure, lowerThan, percentile } from './figures.ts';
import { dockerRunFloorMs, timesFloor } from './floors.ts';
import { quietMachine, quietness } from './host-cpu.ts';
import { TerminalProbe } from './probe.ts';
import {
  CPU_GROUPS,
  type CpuGroup,
  type CpuSnapshot,
  cgroupCpuSeconds,
  cgroupOf,
  cpuSnapshot,
  whereItWent,
} from './process-cpu.ts';

const STEP_TIMEOUT_MS = 120_000;

type Window = Map<CpuGroup | 'host busy', number>;
type Run = { shellMs: number; engineMs: number; toShell: Window; toEngine: Window; quiet: number };

/** What each group's row says beyond its name: what is in it, and what is not. */
const GROUP_NOTES: Partial<Record<CpuGroup | 'host busy', string>> = {
  'host busy': 'all of /proc/stat: user, nice, system, irq, softirq, steal',
  'host dockerd': 'with the children it reaped (iptables, …)',
  'host containerd, shims, runc':
    "with their reaped children (runc create/start/exec; an exec'd process that ended is in the sandbox's cgroup too)",
  'sandbox cgroup': "the container's cpuacct usage, what ran and ended inside it included",
  'other containers': 'the mirror, DNS forwarders, other servers’ sandboxes',
  'not attributed':
    "host busy less the rows: interrupts, processes that started and ended with their parent's count unread, 10 ms ticks",
};

async function oneStart(url: string, serverPid: number): Promise<Run> {
  const quiet = await quietMachine();
  const before = cpuSnapshot();
  const started = performance.now();
  const session = await createSession(url);
  if (session.status !== 201) throw new Error(`no session: ${JSON.stringify(session.body)}`);
  // Opened at once, as the dock does: the socket says when the sandbox is ready.
  const shell = await TerminalProbe.open(url, 'main', session.cookie);
  try {
    await shell.ready(STEP_TIMEOUT_MS);
    const shellMs = performance.now() - started;
    const atShell = cpuSnapshot();
    const { State } = await (await sandboxContainer(session.id)).inspect();
    const sandbox = cgroupOf(State.Pid);
    if (!sandbox) throw new Error(`no CPU cgroup for the sandbox's pid ${State.Pid}`);
    const sandboxAtShell = cgroupCpuSeconds(sandbox);
    const code = await shell.run('docker info >/dev/null', STEP_TIMEOUT_MS);
    const engineMs = performance.now() - started;
    const atEngine: CpuSnapshot = cpuSnapshot();
    const sandboxAtEngine = cgroupCpuSeconds(sandbox);
    if (code !== 0) throw new Error(`docker info exited ${code}`);
    const parties = { serverPid, sandbox };
    return {
      shellMs,
      engineMs,
      quiet,
      toShell: whereItWent(before, atShell, { from: 0, to: sandboxAtShell }, parties),
      toEngine: whereItWent(atShell, atEngine, { from: sandboxAtShell, to: sandboxAtEngine }, parties),
    };
  } finally {
    shell.close();
    await endSession(url, session.cookie);
  }
}

export async function startCpu(url: string, serverPid: number, runs: number): Promise<Figure[]> {
  const floorMs = await dockerRunFloorMs(3);
  const all: Run[] = [];
  for (let run = 0; run < runs; run++) all.push(await oneStart(url, serverPid));
  const p50 = (pick: (run: Run) => number) => percentile(all.map(pick), 50);
  const shellMs = p50((r) => r.shellMs);
  const engineMs = p50((r) => r.engineMs);
  const busiest = Math.max(...all.map((r) => r.quiet));
  const rows = (window: string, pick: (run: Run) => Window): Figure[] =>
    (['host busy', ...CPU_GROUPS] as const).map((group) => ({
      name: `${window}: ${group}`,
      value: p50((r) => pick(r).get(group) ?? 0),
      unit: 'core-s',
      note:
        group === 'host busy'
          ? `${GROUP_NOTES[group]}; p50 of ${runs} runs, as every row (so they need not add up); busiest run: ${quietness(busiest)}`
          : GROUP_NOTES[group],
    }));
  return [
    {
      name: 'start cpu: cold start → shell prompt, p50',
      value: shellMs,
      unit: 'ms',
      note: `${timesFloor(shellMs, floorMs)} (${Math.round(floorMs)} ms); socket opened at once, as the dock does`,
    },
    {
      name: 'start cpu: shell → docker info done, p50',
      value: p50((r) => r.engineMs - r.shellMs),
      unit: 'ms',
      note: '`docker info >/dev/null` typed in the shell',
    },
    {
      name: 'cold start → engine ready, p50',
      value: engineMs,
      unit: 'ms',
      target: lowerThan(1500),
      note: `session start → docker info done; ${timesFloor(engineMs, floorMs)}; ${runs} runs`,
    },
    ...rows('start cpu → shell', (r) => r.toShell),
    ...rows('start cpu, shell → engine ready', (r) => r.toEngine),
  ];
}
