import { Writable } from 'node:stream';

/**
 * The server's log for a person at a terminal: one short line per entry ("12:01:02 warn
 * message key=value"), where a pipe or a file gets pino's JSON, one object per line, for
 * machines. Only the look differs: every field is still there.
 */
const LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};
/** Said once at start, or by the line's own shape: not repeated on every line. */
const OMITTED = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'service', 'instance']);
const COLOURS: Record<string, string> = { warn: '\x1b[33m', error: '\x1b[31m', fatal: '\x1b[31m' };

export function prettyLine(json: string, colour = false): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json; // not pino's: as it came
  }
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 19) : '--:--:--';
  const level = LEVELS[entry.level as number] ?? String(entry.level);
  const fields = Object.entries(entry)
    .filter(([key]) => !OMITTED.has(key))
    .map(([key, value]) => `${key}=${key === 'err' ? errorText(value) : compact(value)}`);
  const head = colour && COLOURS[level] ? `${COLOURS[level]}${level.padEnd(5)}\x1b[0m` : level.padEnd(5);
  return [time, head, String(entry.msg ?? ''), ...fields].join(' ').trimEnd();
}

function compact(value: unknown): string {
  return typeof value === 'string' && !/\s/.test(value) ? value : JSON.stringify(value);
}

function errorText(value: unknown): string {
  const { message, type } = (value ?? {}) as { message?: unknown; type?: unknown };
  return JSON.stringify(typeof message === 'string' ? `${type ?? 'Error'}: ${message}` : value);
}

/** A destination for pino that writes each entry as prettyLine does. */
export function prettyDestination(out: NodeJS.WriteStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      const lines = chunk.toString('utf8').split('\n').filter(Boolean);
      out.write(`${lines.map((line) => prettyLine(line, out.hasColors?.() ?? false)).join('\n')}\n`, () =>
        done(),
      );
    },
  });
}
