import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type { WebSocket } from 'ws';
import type { SessionQueue } from '../contract/session.ts';
import type { ServerMessage } from '../contract/terminal.ts';
import { createMetrics } from '../metrics/index.ts';
import { Session } from '../sessions/session.ts';
import { type TerminalAccess, TerminalConnection } from './connection.ts';

/** The side of a ws WebSocket a connection uses; `close` answers with a close event, as ws does. */
class FakeSocket extends EventEmitter {
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  readonly frames: ServerMessage[] = [];
  readonly output: Buffer[] = [];
  closedWith: { code: number; reason: string } | undefined;

  send(data: string | Buffer, _options?: object, sent?: () => void): void {
    if (typeof data === 'string') this.frames.push(JSON.parse(data) as ServerMessage);
    else this.output.push(data);
    sent?.();
  }
  close(code: number, reason: string): void {
    this.readyState = 2;
    this.closedWith = { code, reason };
    setImmediate(() => {
      this.readyState = 3;
      this.emit('close', code, Buffer.from(reason));
    });
  }
  ping(): void {}
  terminate(): void {
    this.close(1006, '');
  }
  /** A frame from the client. */
  receive(data: string | Buffer): void {
    this.emit('message', Buffer.from(data), typeof data !== 'string');
  }
}

/** A terminal in the sandbox: `typed` is what reached the shell; `print` is the shell writing. */
function fakeTerminal(exitCode = 0) {
  const typed: string[] = [];
  const stream = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, done) {
      typed.push(chunk.toString());
      done();
    },
  });
  const detach = vi.fn(async () => {});
  const terminal = {
    stream,
    detach,
    resize: vi.fn(async () => {}),
    onSize: () => {},
    exitCode: async () => exitCode,
  };
  return { terminal, typed, detach, print: (text: string) => stream.push(Buffer.from(text)) };
}

function connect(
  options: { exitCode?: number; ready?: Promise<void>; queue?: () => SessionQueue | undefined } = {},
) {
  const ws = new FakeSocket();
  const session = new Session('s1', '192.0.2.1', new Date(), new Date(Date.now() + 3_600_000));
  session.state = options.ready ? 'starting' : 'ready';
  if (options.ready) session.ready = options.ready;
  if (options.queue) session.waitsIn(options.queue);
  const shell = fakeTerminal(options.exitCode);
  const access: TerminalAccess = {
    openTerminal: vi.fn(async () => shell.terminal),
    closeTerminal: vi.fn(async () => {}),
  };
  const metrics = createMetrics();
  const connection = new TerminalConnection(
    ws as unknown as WebSocket,
    { session, sandboxHost: 'node1', name: 'main', size: { cols: 80, rows: 24 } },
    { access, config: { idleTimeoutSeconds: 900 }, metrics, log: pino({ level: 'silent' }) },
  );
  connection.start();
  return { ws, session, shell, access, metrics, connection };
}

const attached = (ws: FakeSocket) =>
  vi.waitFor(() => expect(ws.frames).toContainEqual({ type: 'status', state: 'ready' }));

describe('a terminal connection', () => {
  it('holds keystrokes until the shell first writes, then types them in order', async () => {
    const { ws, shell } = connect();
    ws.receive(Buffer.from('echo hi\r'));
    await attached(ws);
    ws.receive(Buffer.from('ls\r'));
    expect(shell.typed).toEqual([]);
    shell.print('$ ');
    await vi.waitFor(() => expect(shell.typed).toEqual(['echo hi\r', 'ls\r']));
    expect(Buffer.concat(ws.output).toString()).toBe('$ ');
  });

  it('opens the terminal at the size last asked for, even before it was attached', async () => {
    const { ws, access, session } = connect();
    ws.receive(JSON.stringify({ type: 'resize', cols: 120, rows: 40 }));
    await attached(ws);
    expect(access.openTerminal).toHaveBeenCalledWith(session.id, 'node1', 'main', { cols: 120, rows: 40 });
  });

  it('pauses the shell’s output while the client has paused', async () => {
    const { ws, shell } = connect();
    await attached(ws);
    ws.receive(JSON.stringify({ type: 'pause' }));
    expect(shell.terminal.stream.isPaused()).toBe(true);
    ws.receive(JSON.stringify({ type: 'resume' }));
    expect(shell.terminal.stream.isPaused()).toBe(false);
  });

  it('answers a malformed message with an error frame and stays open', async () => {
    const { ws } = connect();
    await attached(ws);
    ws.receive('{"type":"launch"}');
    expect(ws.frames.at(-1)).toMatchObject({ type: 'error', code: 'invalid_message' });
    expect(ws.closedWith).toBeUndefined();
  });

  it('closes with 1008 after an error frame on a flood or an oversized frame', async () => {
    const flooded = connect();
    for (let i = 0; i < 1001; i++) flooded.ws.receive(Buffer.from(' '));
    expect(flooded.ws.frames.at(-1)).toMatchObject({ type: 'error', code: 'flood' });
    expect(flooded.ws.closedWith).toEqual({ code: 1008, reason: 'flood' });

    const big = connect();
    big.ws.receive(Buffer.alloc(64 * 1024 + 1));
    expect(big.ws.frames.at(-1)).toMatchObject({ type: 'error', code: 'frame_too_large' });
    expect(big.ws.closedWith).toEqual({ code: 1008, reason: 'frame too large' });
  });

  it('tells the reader why the session ended, then closes normally', async () => {
    const { ws, session } = connect();
    await attached(ws);
    session.end('idle');
    expect(ws.frames.at(-1)).toEqual({
      type: 'error',
      code: 'session_idle',
      message: 'Your sandbox was removed after 15 minutes without input.',
    });
    expect(ws.closedWith).toEqual({ code: 1000, reason: 'session ended' });
  });

  it('reports the exit code when the shell exits, and has nothing left to detach', async () => {
    const { ws, shell, connection } = connect({ exitCode: 3 });
    await attached(ws);
    shell.terminal.stream.destroy();
    await connection.closed;
    expect(ws.frames.at(-1)).toEqual({ type: 'exit', code: 3 });
    expect(ws.closedWith).toEqual({ code: 1000, reason: 'shell exited' });
    expect(shell.detach).not.toHaveBeenCalled();
  });

  it('closes with 1011 when the attach failed, claiming no exit, and lets go of the shell', async () => {
    const { ws, shell, connection } = connect({ exitCode: 126 });
    await attached(ws);
    shell.terminal.stream.on('error', () => {}); // the driver's own listener
    shell.terminal.stream.destroy(new Error('OCI runtime exec failed'));
    await connection.closed;
    expect(ws.frames.filter((frame) => frame.type === 'exit')).toEqual([]);
    expect(ws.closedWith).toEqual({ code: 1011, reason: 'terminal failed' });
    expect(shell.detach).toHaveBeenCalled(); // the attach inside may still be running
  });

  it('closes with 1011 when the attach failed while it was being opened', async () => {
    const { ws, shell, connection, access } = connect();
    vi.mocked(access.openTerminal).mockImplementationOnce(async () => {
      shell.terminal.stream.on('error', () => {});
      shell.terminal.stream.destroy(new Error('OCI runtime exec failed'));
      return shell.terminal;
    });
    await connection.closed;
    expect(ws.closedWith).toEqual({ code: 1011, reason: 'terminal failed' });
  });

  it('closes with 1011 when the sandbox failed to start, never opening a terminal', async () => {
    const { ws, access, connection } = connect({ ready: Promise.reject(new Error('no engine')) });
    await connection.closed;
    expect(ws.frames).toEqual([
      { type: 'status', state: 'starting' },
      expect.objectContaining({ type: 'error', code: 'sandbox_failed' }),
    ]);
    expect(ws.closedWith).toEqual({ code: 1011, reason: 'sandbox failed' });
    expect(access.openTerminal).not.toHaveBeenCalled();
  });

  it('tells a reader waiting for a start slot their place in line as it changes, at most once a second', async () => {
    vi.useFakeTimers();
    try {
      let place: SessionQueue | undefined = { position: 3, estimateSeconds: 12 };
      let started = () => {};
      const ready = new Promise<void>((resolve) => {
        started = resolve;
      });
      const { ws } = connect({ ready, queue: () => place });
      const waiting = (queue: SessionQueue) => ({ type: 'status', state: 'starting', queue });
      expect(ws.frames).toEqual([waiting({ position: 3, estimateSeconds: 12 })]);
      vi.advanceTimersByTime(1000);
      expect(ws.frames).toHaveLength(1);
      place = { position: 2, estimateSeconds: 9 };
      place = { position: 1, estimateSeconds: 6 };
      vi.advanceTimersByTime(1000);
      expect(ws.frames).toEqual([
        waiting({ position: 3, estimateSeconds: 12 }),
        waiting({ position: 1, estimateSeconds: 6 }),
      ]);
      // Its start got a slot: said once, with no place.
      place = undefined;
      vi.advanceTimersByTime(3000);
      expect(ws.frames.slice(2)).toEqual([{ type: 'status', state: 'starting' }]);
      started();
      await attached(ws);
    } finally {
      vi.useRealTimers();
    }
  });

  it('lets go of the shell once when closed, and counts itself out', async () => {
    const { ws, shell, session, metrics, connection } = connect();
    await attached(ws);
    expect(session.openTerminals).toBe(1);
    await connection.close(1001, 'server shutting down');
    await connection.closed;
    expect(shell.detach).toHaveBeenCalledTimes(1);
    expect(session.openTerminals).toBe(0);
    expect((await metrics.terminalsOpen.get()).values[0]?.value).toBe(0);
  });
});
