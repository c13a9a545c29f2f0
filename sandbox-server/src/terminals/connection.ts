import type { Logger } from 'pino';
import type { RawData, WebSocket } from 'ws';
import type { Config } from '../config/index.ts';
import type { SessionQueue } from '../contract/session.ts';
import {
  MAX_CLIENT_FRAME_BYTES,
  parseClientMessage,
  type ServerMessage,
  type TerminalSize,
} from '../contract/terminal.ts';
import type { Metrics } from '../metrics/index.ts';
import { NoSuchTerminal, type SandboxAccess, type TerminalStream } from '../sandboxes/driver.ts';
import { FIRST_HOST, type HostName } from '../sandboxes/hosts.ts';
import type { EndReason, Session } from '../sessions/session.ts';
import type { ShareLink } from '../sharing/share-links.ts';
import { ENDINGS, type Ending } from './closing.ts';
import { FlowGate } from './flow-gate.ts';
import { Heartbeat } from './heartbeat.ts';
import { MessageRate } from './message-rate.ts';
import { PendingInput } from './pending-input.ts';
import { QueueWatch } from './queue-watch.ts';
import type { TerminalRequest } from './request.ts';

const SEND_BINARY = { binary: true } as const;

/** All a terminal connection needs of the sandbox: a terminal to attach to, and to end (routes.ts). */
export type TerminalAccess = Pick<SandboxAccess, 'openTerminal' | 'closeTerminal'>;

export type ConnectionDeps = {
  access: TerminalAccess;
  config: Pick<Config, 'idleTimeoutSeconds'>;
  metrics: Pick<Metrics, 'terminalsOpen'>;
  log: Logger;
};

/**
 * One terminal WebSocket and the shell it reaches, after ttyd's `struct pss_tty`: everything one
 * connection holds is a named part here, and each part is a module of its own.
 */
export class TerminalConnection {
  readonly session: Session;
  readonly name: string;
  /** The reader's host the terminal's shell runs on. */
  readonly host: HostName;
  /** A guest's share link; undefined for the owner. A guest keeps the owner's size. */
  readonly link: ShareLink | undefined;
  /** When a watcher was last told that typing is refused: once a second is enough. */
  private readOnlyToldAt = 0;
  /** Settles once the socket has closed and the connection let go of everything. */
  readonly closed: Promise<void>;
  private size: TerminalSize;
  private terminal: TerminalStream | undefined;
  private detached: Promise<void> | undefined;
  private isClosed = false;
  private readonly flow = new FlowGate();
  private readonly messages = new MessageRate();
  private readonly input = new PendingInput();
  private readonly heartbeat: Heartbeat;
  /** While the session waits for a start slot: its place in line, told as it changes. */
  private queue: QueueWatch | undefined;
  private readonly log: Logger;

  constructor(
    private readonly ws: WebSocket,
    request: TerminalRequest,
    private readonly deps: ConnectionDeps,
  ) {
    this.session = request.session;
    this.name = request.name;
    this.host = request.sandboxHost;
    this.size = request.size;
    this.link = request.link;
    this.log = deps.log.child({
      session: this.session.id,
      host: this.host,
      terminal: this.name,
      ...(this.link ? { share: this.link.address, kind: this.link.kind } : {}),
    });
    this.heartbeat = new Heartbeat(ws);

    if (this.link) this.link.openTerminals++;
    else this.session.openTerminals++;
    deps.metrics.terminalsOpen.inc();
    this.log.info({ event: 'terminal_opened' }, 'terminal opened');
    this.session.ended.addEventListener('abort', this.onSessionEnded, { once: true });
    this.link?.revoked.addEventListener('abort', this.onRevoked, { once: true });

    this.closed = new Promise((resolve) => {
      ws.on('close', () => {
        this.onClose();
        resolve();
      });
    });
    ws.on('pong', () => this.heartbeat.pong());
    ws.on('error', (error) => this.log.debug({ err: error }, 'terminal socket error'));
    ws.on('message', (data: RawData, isBinary: boolean) =>
      this.receive(Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer), isBinary),
    );
  }

  /** Waits for the sandbox and attaches the shell; a fault on the way closes the socket and is logged. */
  start(): void {
    this.attach().catch((error: unknown) => {
      this.log.error({ err: error }, 'terminal failed');
      this.end(ENDINGS.terminalFailed);
    });
  }

  /** Closes the socket; resolves once the shell was let go of (it lives on in the sandbox). */
  close(code: number, reason: string): Promise<void> {
    const { ws } = this;
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason);
    return this.detach();
  }

  private end({ frame, close }: Ending): void {
    if (frame) this.send(frame);
    void this.close(close.code, close.reason);
  }

  private readonly onRevoked = () => {
    if (!this.session.ended.aborted) this.end(ENDINGS.shareRevoked);
  };

  private readonly onSessionEnded = () => {
    const reason = this.session.ended.reason as EndReason;
    this.end(ENDINGS.sessionEnded(reason, this.deps.config.idleTimeoutSeconds));
  };

  private send(message: ServerMessage): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(message));
  }

  private detach(): Promise<void> {
    this.detached ??= this.terminal?.detach();
    return this.detached ?? Promise.resolve();
  }

  private onClose(): void {
    this.isClosed = true;
    this.heartbeat.stop();
    this.queue?.stop();
    this.flow.stop();
    if (this.link) this.link.openTerminals--;
    else this.session.openTerminals--;
    this.deps.metrics.terminalsOpen.dec();
    this.session.ended.removeEventListener('abort', this.onSessionEnded);
    this.link?.revoked.removeEventListener('abort', this.onRevoked);
    void this.detach();
    this.log.info({ event: 'terminal_closed' }, 'terminal closed');
  }

  private receive(bytes: Buffer, isBinary: boolean): void {
    if (!this.messages.take()) {
      this.end(ENDINGS.flood);
      return;
    }
    if (bytes.length > MAX_CLIENT_FRAME_BYTES) {
      this.end(ENDINGS.frameTooLarge);
      return;
    }
    if (isBinary) {
      if (this.link?.kind === 'watch') {
        // Nothing a watcher sends reaches the sandbox; the note says why, at most once a second.
        if (Date.now() - this.readOnlyToldAt >= 1000) {
          this.readOnlyToldAt = Date.now();
          this.send({ type: 'error', code: 'read_only', message: 'You are watching: typing is not sent.' });
        }
        return;
      }
      this.session.touch();
      this.input.write(bytes);
      return;
    }
    const message = parseClientMessage(bytes.toString('utf8'));
    // The one error that does not end the connection: the client sent something it can correct.
    if (typeof message === 'string') this.send({ type: 'error', code: 'invalid_message', message });
    else if (message.type === 'resize') {
      if (this.link) return; // the terminal keeps its owner's size; a guest scales to it
      this.size = { cols: message.cols, rows: message.rows };
      void this.terminal?.resize(this.size);
    } else this.flow.clientPaused(message.type === 'pause');
  }

  private async attach(): Promise<void> {
    const { session, ws } = this;
    if (this.host !== FIRST_HOST && session.hostState(this.host) !== 'ready') {
      this.send({ type: 'status', state: 'starting' });
    } else if (session.state !== 'ready') {
      const starting = (queue: SessionQueue | undefined) =>
        this.send(
          queue ? { type: 'status', state: 'starting', queue } : { type: 'status', state: 'starting' },
        );
      this.queue = new QueueWatch(() => session.queue, starting);
      starting(this.queue.current);
    }
    try {
      // A host removed before it was ready has nothing to wait for: as a failed start.
      await (session.hostReady(this.host) ?? Promise.reject(new Error('the host was removed')));
    } catch {
      this.end(ENDINGS.sandboxFailed);
      return;
    } finally {
      this.queue?.stop();
    }
    if (this.isClosed) return;
    let terminal: TerminalStream;
    try {
      const { access } = this.deps;
      terminal = this.link
        ? await access.openTerminal(session.id, this.host, this.name, this.size, {
            as: 'guest',
            existing: this.link.kind === 'watch',
          })
        : await access.openTerminal(session.id, this.host, this.name, this.size);
    } catch (error) {
      if (!(error instanceof NoSuchTerminal)) throw error;
      this.end(ENDINGS.noSuchTerminal(this.name));
      return;
    }
    this.terminal = terminal;
    if (this.link) terminal.onSize((size) => this.send({ type: 'size', ...size }));
    // Whoever opened it, owner or driver, every guest may attach to it now.
    session.terminalOpened(this.host, this.name);
    if (this.isClosed) {
      void this.detach();
      return;
    }
    const { stream } = terminal;
    this.send({ type: 'status', state: 'ready' });

    // Made once: the data handler runs for every chunk of output.
    const toShell = (bytes: Buffer) => stream.write(bytes);
    const afterSend = () => this.flow.drained(ws.bufferedAmount);
    stream.on('data', (chunk: Buffer) => {
      // The holder's first output means it has the terminal in raw mode: input is safe to send now.
      if (!this.input.attached) this.input.attach(toShell);
      if (ws.readyState !== ws.OPEN) return;
      ws.send(chunk, SEND_BINARY, afterSend);
      this.flow.sent(chunk.length, ws.bufferedAmount);
    });
    const ended = () => {
      if (this.isClosed) return;
      // The attach failed (its error is logged where it was made) while the shell may live on:
      // closing lets go of it, as for a reader who left.
      if (stream.errored) {
        this.end(ENDINGS.terminalFailed);
        return;
      }
      this.detached = Promise.resolve(); // the attach process ended by itself: nothing to detach
      void terminal
        .exitCode()
        .catch(() => -1)
        .then((code) => this.end(ENDINGS.shellExited(code)));
    };
    // An attach can fail while it is being opened, before anything here listened.
    if (stream.destroyed) ended();
    else stream.once('close', ended);
    // After the 'data' listener: adding it sets the stream flowing, which only the gate may stop.
    this.flow.attach(stream);
  }
}
