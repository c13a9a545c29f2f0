import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { handleProcessErrors } from './process-errors.ts';

function guarded() {
  const process = new EventEmitter();
  const lines: { event?: string }[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const calls: string[] = [];
  let exited: (code: number) => void = () => {};
  const exitCode = new Promise<number>((resolve) => {
    exited = resolve;
  });
  handleProcessErrors(process, log, {
    shutdown: async () => {
      calls.push('shutdown');
    },
    exit: (code) => {
      calls.push(`exit ${code}`);
      exited(code);
    },
  });
  return { process, lines, calls, exitCode };
}

describe('errors nothing caught', () => {
  it('a rejected promise is logged and the server goes on', () => {
    const { process, lines, calls } = guarded();
    process.emit('unhandledRejection', new Error('boom'));
    expect(lines.map((line) => line.event)).toEqual(['unhandled_rejection']);
    expect(calls).toEqual([]);
  });

  it('an uncaught exception is logged, the server closes, and the process exits 1 once', async () => {
    const { process, lines, calls, exitCode } = guarded();
    process.emit('uncaughtException', new Error('boom'));
    process.emit('uncaughtException', new Error('again'));
    expect(await exitCode).toBe(1);
    expect(calls).toEqual(['shutdown', 'exit 1']);
    expect(lines.filter((line) => line.event === 'uncaught_exception')).toHaveLength(2);
  });
});
