import type { PoolWindow } from '../config/pool-schedule.ts';

/**
 * What an idle sandbox holds, as an estimate for the memory bound: a pooled sandbox has a shell's
 * worth and no Docker engine yet (it starts on first use; 5.3 MiB measured by `npm run bench`),
 * rounded up for a heavier image. Pooled sandboxes are idle by definition.
 */
const IDLE_SANDBOX_BYTES = 16 * 1024 ** 2;

/** An operator's room asked through PUT /api/admin/pool: `size` pooled, ready by `readyBy`, until `until`. */
export type PoolAsk = { size: number; readyBy?: Date; until?: Date };

/** Everything the pool's size follows, at one moment. */
type PoolNeeds = {
  /** BERTH_POOL_SIZE; 0 turns demand off, not the schedule or an admin request. */
  base: number;
  /** The most readers who arrived within a minute lately (demand.ts). */
  demand: number;
  schedule: readonly PoolWindow[];
  ask: PoolAsk | undefined;
  now: number;
  /** Seconds it takes to start `size` sandboxes here, a few at a time. */
  leadSeconds: (size: number) => number;
  /** Sandboxes the server may still hold beside its live sessions. */
  room: number;
  hostMemoryBytes: number;
};

/** The pool's size now, and why. */
export type PoolTarget = {
  size: number;
  /** What was asked for before the bounds. */
  wanted: number;
  why: 'base' | 'demand' | 'schedule' | 'request';
  reason: string;
  /** When a bound cut what was wanted: which, in the operator's words. */
  limit?: { by: 'capacity' | 'memory'; message: string };
};

type Want = Pick<PoolTarget, 'why' | 'reason'> & { size: number };

const clock = (date: Date) => date.toTimeString().slice(0, 5);

/** Whether an operator's room applies at `now`: from its lead time before `readyBy` until `until`. */
function askApplies(ask: PoolAsk, now: number, leadSeconds: (size: number) => number): boolean {
  if (ask.until && now >= ask.until.getTime()) return false;
  return !ask.readyBy || now >= ask.readyBy.getTime() - leadSeconds(ask.size) * 1000;
}

/**
 * The schedule's biggest window that applies at `now`, with its start: a window applies from its
 * lead time before it starts (so its sandboxes are ready then) until it ends, in local time.
 */
function scheduled(
  schedule: readonly PoolWindow[],
  now: number,
  leadSeconds: (size: number) => number,
): { window: PoolWindow; startsAt: Date } | undefined {
  const today = new Date(now);
  let found: { window: PoolWindow; startsAt: Date } | undefined;
  // Tomorrow's too: a window just after midnight is prepared before it.
  for (const day of [0, 1]) {
    const at = (minutes: number) =>
      new Date(today.getFullYear(), today.getMonth(), today.getDate() + day, 0, minutes);
    for (const window of schedule) {
      const startsAt = at(window.from);
      const applies =
        now >= startsAt.getTime() - leadSeconds(window.size) * 1000 && now < at(window.to).getTime();
      if (applies && window.size > (found?.window.size ?? 0)) found = { window, startsAt };
    }
  }
  return found;
}

/** The pool's target: the most any need asks, within the server's room and half the host's memory. */
export function poolTarget(needs: PoolNeeds): PoolTarget {
  const wants: Want[] = [];
  const { ask } = needs;
  if (ask && askApplies(ask, needs.now, needs.leadSeconds)) {
    const by = ask.readyBy ? ` ready by ${ask.readyBy.toISOString()}` : '';
    const until = ask.until ? ` until ${ask.until.toISOString()}` : '';
    wants.push({ size: ask.size, why: 'request', reason: `an admin request for ${ask.size}${by}${until}` });
  }
  const inSchedule = scheduled(needs.schedule, needs.now, needs.leadSeconds);
  if (inSchedule) {
    const { window, startsAt } = inSchedule;
    const reason = `the schedule's ${window.text}, ready by ${clock(startsAt)}`;
    wants.push({ size: window.size, why: 'schedule', reason });
  }
  if (needs.base > 0 && needs.demand > needs.base) {
    const reason = `${needs.demand} readers arrived within a minute in the last few minutes`;
    wants.push({ size: needs.demand, why: 'demand', reason });
  }
  wants.push({ size: needs.base, why: 'base', reason: `the base size, BERTH_POOL_SIZE=${needs.base}` });
  // The first of the biggest: an operator's word is named before what it coincides with.
  const want = wants.reduce((best, next) => (next.size > best.size ? next : best));

  const room = Math.max(0, needs.room);
  const memory = Math.floor(needs.hostMemoryBytes / 2 / IDLE_SANDBOX_BYTES);
  const size = Math.min(want.size, room, memory);
  const target: PoolTarget = { size, wanted: want.size, why: want.why, reason: want.reason };
  if (size === want.size) return target;
  const hostGiB = Math.round((needs.hostMemoryBytes / 1024 ** 3) * 10) / 10;
  target.limit =
    memory < room
      ? {
          by: 'memory',
          message: `${memory} pooled sandboxes at most: at an estimated ${IDLE_SANDBOX_BYTES / 1024 ** 2} MiB each, more would pass half of this host's ${hostGiB} GiB`,
        }
      : {
          by: 'capacity',
          message: `${room} pooled sandboxes at most: BERTH_MAX_SANDBOXES leaves room for that many beside the live sessions`,
        };
  return target;
}
