import WebSocket from 'ws';
import { firstShellMark } from '../contract/shell-marks.ts';
import { CLOSE_NORMAL, type ServerMessage } from '../contract/terminal.ts';

export type Closed = { code: number; reason: string };

/** A test client that speaks the terminal protocol as ARCHITECTURE.md gives it, and nothing more. */
export class TerminalClient {
  output = '';
  readonly messages: ServerMessage[] = [];
  readonly closed: Promise<Closed>;
  private readonly waiters = new Set<() => void>();
  private readonly listeners = new Set<(text: string) => void>();
  private commands = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) {
        const text = data.toString('utf8');
        this.output += text;
        for (const listen of this.listeners) listen(text);
      } else this.messages.push(JSON.parse(data.toString('utf8')) as ServerMessage);
      for (const wake of this.waiters) wake();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        for (const wake of this.waiters) wake();
      });
    });
  }

  /** Opens a socket; resolves when it is open, rejects with the HTTP status when the upgrade is refused. */
  static open(
    baseUrl: string,
    name: string,
    options: {
      cookie?: string;
      origin?: string | null;
      query?: string;
      /** The HTTP Host header. */
      host?: string;
      /** The reader's host the terminal is on (node2, …); node1's path without it. */
      on?: string;
      /** A guest's: the share link's address, whose path replaces /api/session. */
      share?: string;
    } = {},
  ): Promise<TerminalClient> {
    const on = options.on ? `/hosts/${options.on}` : '';
    const api = options.share ? `/api/shared/${options.share}` : '/api/session';
    const url = `${baseUrl.replace(/^http/, 'ws')}${api}${on}/terminals/${name}${options.query ?? ''}`;
    const headers: Record<string, string> = {};
    if (options.cookie) headers.cookie = options.cookie;
    const origin = options.origin === undefined ? baseUrl : options.origin;
    if (origin !== null) headers.origin = origin;
    if (options.host) headers.host = options.host;
    const ws = new WebSocket(url, { headers });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new TerminalClient(ws)));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on('end', () =>
          reject(
            Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode, body }),
          ),
        );
      });
      ws.once('error', reject);
    });
  }

  /** Waits, without fixed sleeps, until `done` holds; fails with what was seen after `timeoutMs`. */
  waitFor(done: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const wake = () => {
        if (!done()) return;
        this.waiters.delete(wake);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        reject(
          new Error(`timed out waiting for ${what}; output tail: ${JSON.stringify(this.output.slice(-600))}`),
        );
      }, timeoutMs);
      this.waiters.add(wake);
    });
  }

  waitForText(text: string | RegExp, timeoutMs?: number, from = 0): Promise<void> {
    const found = () =>
      typeof text === 'string' ? this.output.indexOf(text, from) >= 0 : text.test(this.output.slice(from));
    return this.waitFor(found, `output ${String(text)}`, timeoutMs);
  }

  waitForMessage(type: ServerMessage['type'], timeoutMs?: number): Promise<ServerMessage> {
    const find = () => this.messages.find((m) => m.type === type);
    return this.waitFor(() => find() !== undefined, `a ${type} message`, timeoutMs).then(
      () => find() as ServerMessage,
    );
  }

  /** Waits for the sandbox and the first prompt. */
  async ready(timeoutMs = 90_000): Promise<void> {
    await this.waitFor(
      () => this.messages.some((m) => m.type === 'status' && m.state === 'ready'),
      'ready',
      timeoutMs,
    );
    await this.waitFor(() => firstShellMark(this.output, 'input') !== undefined, 'a prompt', timeoutMs);
  }

  /** Calls `listen` with each piece of output from now on; the function returned stops it. */
  onOutput(listen: (text: string) => void): () => void {
    this.listeners.add(listen);
    return () => this.listeners.delete(listen);
  }

  type(text: string): void {
    this.ws.send(Buffer.from(text, 'utf8'), { binary: true });
  }

  control(message: object): void {
    this.ws.send(JSON.stringify(message));
  }

  /**
   * Types one command and returns a tag to wait for its end with `end()`. A unique no-op in front
   * (`: tag;`) tells this command's marks from those of replayed output, and leaves heredocs and
   * exit codes alone.
   */
  begin(command: string): string {
    const tag = `berth-test-${++this.commands}-${Date.now()}`;
    this.type(`: ${tag}; ${command}\r`);
    return tag;
  }

  /** The output of a begun command so far (after its C mark), or undefined before it started. */
  outputOf(tag: string): string | undefined {
    const at = this.output.lastIndexOf(`: ${tag};`);
    if (at < 0) return undefined;
    const rest = this.output.slice(at);
    const start = firstShellMark(rest, 'output');
    return start ? rest.slice(start.end) : undefined;
  }

  /** Waits for a begun command's OSC 133 end mark: its exit code and output. */
  async end(tag: string, timeoutMs = 60_000): Promise<{ code: number; output: string }> {
    let result: { code: number; output: string } | undefined;
    await this.waitFor(
      () => {
        const rest = this.outputOf(tag);
        if (rest === undefined) return false;
        const end = firstShellMark(rest, 'end');
        if (end?.mark.exitCode === undefined) return false;
        result = { code: end.mark.exitCode, output: rest.slice(0, end.index) };
        return true;
      },
      `the end of command ${tag}`,
      timeoutMs,
    );
    return result as { code: number; output: string };
  }

  /** Types one command and waits for its end. */
  run(command: string, timeoutMs = 60_000): Promise<{ code: number; output: string }> {
    return this.end(this.begin(command), timeoutMs);
  }

  close(): Promise<Closed> {
    this.ws.close(CLOSE_NORMAL);
    return this.closed;
  }
}
