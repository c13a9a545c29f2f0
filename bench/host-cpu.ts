/**
 * The host's CPU as /proc/stat counts it, in core-seconds: what a burst of readers or one start
 * costs the machine, whoever in it did the work. Only meaningful on an otherwise quiet machine, so
 * the steps wait for one and say how busy it was.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's times (USER_HZ): 100 on the usual kernels, asked once. */
export const TICKS_PER_SECOND =
  Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/**
 * The host's busy time since boot, every CPU summed: user, nice, system, irq, softirq and steal
 * (guest time is inside user already); idle and iowait are not work.
 */
export function hostBusySeconds(): number {
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = (
    readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? ''
  )
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How many cores the host kept busy over the next `ms`. */
export async function busyCores(ms = 1000): Promise<number> {
  const before = hostBusySeconds();
  const started = performance.now();
  await sleep(ms);
  return (hostBusySeconds() - before) / ((performance.now() - started) / 1000);
}

/** The busiest a machine may be, in cores, and still count as quiet for a measurement. */
export const QUIET_CORES = 0.3;

/**
 * Waits (up to `timeoutMs`) for a second in which the host is busy less than QUIET_CORES — the last
 * step's sandboxes go on being removed after their DELETE answered — and returns the last reading,
 * for the note: a figure measured on a busy machine says so.
 */
export async function quietMachine(timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const cores = await busyCores();
    if (cores < QUIET_CORES || Date.now() > deadline) return cores;
  }
}

/** The note's words on how quiet the machine was before a measurement. */
export function quietness(cores: number): string {
  const busy = `${cores.toFixed(2)} cores busy just before`;
  return cores < QUIET_CORES ? `${busy} (quiet otherwise)` : `${busy}: NOT quiet, other work counted in`;
}
