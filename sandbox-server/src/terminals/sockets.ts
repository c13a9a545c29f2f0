import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { Config } from '../config/index.ts';
import {
  CLOSE_INTERNAL,
  CLOSE_NORMAL,
  CLOSE_POLICY,
  MAX_CLIENT_FRAME_BYTES,
  parseClientMessage,
  type ServerMessage,
  type TerminalSize,
} from '../contract/terminal.ts';
import { ApiError } from '../errors/index.ts';
import { refuseUpgrade } from '../errors/refuse-upgrade.ts';
import type { Metrics } from '../metrics/index.ts';
import type { SandboxDriver, TerminalStream } from '../sandboxes/driver.ts';
import type { EndReason } from '../sessions/session.ts';
import type { Sessions } from '../sessions/sessions.ts';
import { OutputRate } from './output-rate.ts';
import { checkTerminalRequest, type TerminalRequest } from './request.ts';

export const TERMINAL_PATH = /^\/api\/session\/terminals\/([^/]*)$/;

/** Output stops being read from the sandbox above this many unsent bytes, and resumes below the low mark. */
const HIGH_WATER_BYTES = 1024 * 1024;
const LOW_WATER_BYTES = 256 * 1024;
/** The most output one terminal sends a second (see OutputRate). */
const MAX_OUTPUT_BYTES_PER_SECOND = 28 * 1000 * 1000;
/** Far above typing or pasting; only a runaway or hostile client gets near it. */
const MAX_MESSAGES_PER_SECOND = 1000;
/** Input typed before the shell is attached waits, up to this much. */
const MAX_PENDING_INPUT_BYTES = 64 * 1024;
const PING_INTERVAL_MS = 30_000;

/** Terminal WebSockets: the upgrade, its checks, and the bridge between a socket and a shell in the sandbox. */
export class TerminalSockets {
  // ws closes frames above maxPayload itself (with 1009); smaller oversized frames get our 1008.
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: 1024 * 1024,
    perMessageDeflate: false,
  });
  private readonly open = new Set<{ ws: WebSocket; close(code: number, reason: string): Promise<void> }>();
  private readonly pinger: NodeJS.Timeout;

  constructor(
    private readonly sessions: Sessions,
    private readonly driver: SandboxDriver,
    private readonly config: Config,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    this.pinger = setInterval(() => this.ping(), PING_INTERVAL_MS);
    this.pinger.unref();
  }

  /** Node's 'upgrade' event handler; anything but a terminal path is refused as not found. */
  handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://upgrade.invalid');
    const match = TERMINAL_PATH.exec(url.pathname);
    if (!match) {
      refuseUpgrade(socket, new ApiError('not_found', 'No WebSocket is served at this path.'));
      return;
    }
    let request: TerminalRequest;
    try {
      request = checkTerminalRequest(
        {
          name: match[1] ?? '',
          cols: url.searchParams.get('cols') ?? undefined,
          rows: url.searchParams.get('rows') ?? undefined,
          origin: req.headers.origin,
          host: req.headers.host,
          cookie: req.headers.cookie,
        },
        this.sessions,
        this.config,
      );
    } catch (error) {
      refuseUpgrade(
        socket,
        error instanceof ApiError ? error : new ApiError('internal', 'The request could not be checked.'),
      );
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.bridge(ws, request).catch((error: unknown) => {
        this.log.error(
          { err: error, session: request.session.id, terminal: request.name },
          'terminal failed',
        );
        ws.close(CLOSE_INTERNAL, 'terminal failed');
      });
    });
  };

  /** Closes every terminal socket, e.g. with 1001 when the server shuts down; shells live on in the sandboxes. */
  async closeAll(code: number, reason: string): Promise<void> {
    clearInterval(this.pinger);
    await Promise.allSettled([...this.open].map((terminal) => terminal.close(code, reason)));
  }

  /** Why the sandbox went away, in words for the reader (the dock shows them). */
  private endedMessage(reason: EndReason): string {
    const { idleTimeoutSeconds } = this.config;
    switch (reason) {
      case 'idle':
        return `Your sandbox was removed after ${Math.round(idleTimeoutSeconds / 60)} minutes without input.`;
      case 'expired':
        return 'Your sandbox reached the end of its lifetime.';
      case 'failed':
        return 'Your sandbox failed.';
      default:
        return 'Your sandbox has ended.';
    }
  }

  private ping(): void {
    for (const { ws } of this.open) {
      const alive = ws as WebSocket & { berthAlive?: boolean };
      if (alive.berthAlive === false) {
        ws.terminate();
        continue;
      }
      alive.berthAlive = false;
      ws.ping();
    }
  }

  private async bridge(ws: WebSocket, { session, name, size: initialSize }: TerminalRequest): Promise<void> {
    const log = this.log.child({ session: session.id, terminal: name });
    const send = (message: ServerMessage) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    };
    let terminal: TerminalStream | undefined;
    let size: TerminalSize = initialSize;
    let pendingInput: Buffer[] = [];
    let pendingBytes = 0;
    let clientPaused = false;
    let backpressured = false;
    let throttled = false;
    const rate = new OutputRate(MAX_OUTPUT_BYTES_PER_SECOND);
    let windowStart = Date.now();
    let messagesInWindow = 0;
    let closed = false;
    let attached = false;

    const applyFlow = () => {
      if (!terminal) return;
      if (clientPaused || backpressured || throttled) terminal.stream.pause();
      else terminal.stream.resume();
    };
    let detached: Promise<void> | undefined;
    const detach = () => {
      detached ??= terminal?.detach();
      return detached ?? Promise.resolve();
    };
    const close = (code: number, reason: string) => {
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason);
      return detach();
    };
    const entry = { ws, close };
    this.open.add(entry);
    session.openTerminals++;
    this.metrics.terminalsOpen.inc();
    log.info({ event: 'terminal_opened' }, 'terminal opened');

    const onSessionEnded = () => {
      const reason = session.ended.reason as EndReason;
      send({ type: 'error', code: `session_${reason}`, message: this.endedMessage(reason) });
      void close(CLOSE_NORMAL, 'session ended');
    };
    session.ended.addEventListener('abort', onSessionEnded, { once: true });

    (ws as WebSocket & { berthAlive?: boolean }).berthAlive = true;
    ws.on('pong', () => {
      (ws as WebSocket & { berthAlive?: boolean }).berthAlive = true;
    });
    ws.on('close', () => {
      closed = true;
      this.open.delete(entry);
      session.openTerminals--;
      this.metrics.terminalsOpen.dec();
      session.ended.removeEventListener('abort', onSessionEnded);
      void detach();
      log.info({ event: 'terminal_closed' }, 'terminal closed');
    });
    ws.on('error', (error) => log.debug({ err: error }, 'terminal socket error'));

    ws.on('message', (data: RawData, isBinary: boolean) => {
      const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
      const now = Date.now();
      if (now - windowStart >= 1000) {
        windowStart = now;
        messagesInWindow = 0;
      }
      if (++messagesInWindow > MAX_MESSAGES_PER_SECOND) {
        send({ type: 'error', code: 'flood', message: 'Too many messages; the terminal was closed.' });
        void close(CLOSE_POLICY, 'flood');
        return;
      }
      if (bytes.length > MAX_CLIENT_FRAME_BYTES) {
        send({
          type: 'error',
          code: 'frame_too_large',
          message: `A frame may carry at most ${MAX_CLIENT_FRAME_BYTES} bytes.`,
        });
        void close(CLOSE_POLICY, 'frame too large');
        return;
      }
      if (isBinary) {
        session.touch();
        if (terminal && attached) terminal.stream.write(bytes);
        else if (pendingBytes + bytes.length <= MAX_PENDING_INPUT_BYTES) {
          pendingInput.push(bytes);
          pendingBytes += bytes.length;
        }
        return;
      }
      const message = parseClientMessage(bytes.toString('utf8'));
      if (typeof message === 'string') {
        send({ type: 'error', code: 'invalid_message', message });
        return;
      }
      if (message.type === 'resize') {
        size = { cols: message.cols, rows: message.rows };
        void terminal?.resize(size);
      } else {
        clientPaused = message.type === 'pause';
        applyFlow();
      }
    });

    if (session.state !== 'ready') send({ type: 'status', state: 'starting' });
    try {
      await session.ready;
    } catch {
      send({
        type: 'error',
        code: 'sandbox_failed',
        message: 'The sandbox failed to start; create a new session.',
      });
      void close(CLOSE_INTERNAL, 'sandbox failed');
      return;
    }
    if (closed) return;
    terminal = await this.driver.openTerminal(session.id, name, size);
    if (closed) {
      void detach();
      return;
    }
    const stream = terminal.stream;
    send({ type: 'status', state: 'ready' });

    const afterSend = () => {
      if (backpressured && ws.bufferedAmount < LOW_WATER_BYTES) {
        backpressured = false;
        applyFlow();
      }
    };
    stream.on('data', (chunk: Buffer) => {
      if (!attached) {
        // The holder's first output means it has the terminal in raw mode: input is safe to send now.
        attached = true;
        for (const bytes of pendingInput) stream.write(bytes);
        pendingInput = [];
      }
      if (ws.readyState !== ws.OPEN) return;
      ws.send(chunk, { binary: true }, afterSend);
      if (!backpressured && ws.bufferedAmount > HIGH_WATER_BYTES) {
        backpressured = true;
        applyFlow();
      }
      const waitMs = throttled ? 0 : rate.take(chunk.length);
      if (waitMs > 0) {
        throttled = true;
        applyFlow();
        setTimeout(() => {
          throttled = false;
          applyFlow();
        }, waitMs);
      }
    });
    stream.on('error', (error) => log.debug({ err: error }, 'terminal stream error'));
    stream.once('close', () => {
      if (closed) return;
      detached = Promise.resolve(); // the attach process ended by itself: nothing to detach
      const current = terminal;
      void current
        ?.exitCode()
        .catch(() => -1)
        .then((code) => {
          send({ type: 'exit', code });
          void close(CLOSE_NORMAL, 'shell exited');
        });
    });
    applyFlow();
  }
}
