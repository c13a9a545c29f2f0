/**
 * BERTH_POOL_SCHEDULE: the rooms an operator knows of in advance, as `09:00-12:00=40,14:00-15:30=25`
 * (the server's local time). The pool is grown early enough for each to be ready at its start.
 */

/** One room of the schedule: from and to in minutes after local midnight, and the pool it wants. */
export type PoolWindow = { from: number; to: number; size: number; text: string };

/** As BERTH_POOL_SIZE: more than any one machine holds idle. */
export const MAX_POOL_SIZE = 256;

const WINDOW = /^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})=(\d+)$/;

const minutesOf = (hours: string, minutes: string) => Number(hours) * 60 + Number(minutes);
const isTime = (hours: string, minutes: string) =>
  (Number(hours) <= 23 && Number(minutes) <= 59) || (Number(hours) === 24 && Number(minutes) === 0);

/** The windows of a schedule, or the first thing wrong with it in an operator's words. */
export function parsePoolSchedule(text: string): PoolWindow[] | string {
  const windows: PoolWindow[] = [];
  for (const entry of text.split(',').map((part) => part.trim())) {
    if (entry === '') continue;
    const match = WINDOW.exec(entry);
    if (!match) return `"${entry}" is not a window like 09:00-12:00=40 (from-to=sandboxes, local time)`;
    const [, fromH = '', fromM = '', toH = '', toM = '', size = ''] = match;
    if (!isTime(fromH, fromM) || !isTime(toH, toM)) return `"${entry}" names a time that is not one`;
    const window = {
      from: minutesOf(fromH, fromM),
      to: minutesOf(toH, toM),
      size: Number(size),
      text: entry,
    };
    if (window.to <= window.from) {
      return `"${entry}" ends before it starts; split a window over midnight in two (…-24:00, 00:00-…)`;
    }
    if (window.size < 1 || window.size > MAX_POOL_SIZE) {
      return `"${entry}" asks for ${window.size} sandboxes; a window holds 1 to ${MAX_POOL_SIZE}`;
    }
    windows.push(window);
  }
  return windows;
}
