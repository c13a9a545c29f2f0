import WebSocket from 'ws';
import { firstShellMark, type ServerMessage, shellMarksIn } from '../sandbox-server/src/contract/index.ts';
import { terminalPath } from '../src/dock/terminal-tabs.ts';

/** Enough of the output's tail to hold a mark split across frames. */
const TAIL_BYTES = 4096;

/** What a wait found in the output's tail, and where it ends: that, and all before it, is then dropped. */
type Found<T> = { value: T; end: number };

/** A command's end mark and the next prompt's end after it: the shell is ready for typing again. */
function commandEnd(tail: string): Found<number> | undefined {
  const end = firstShellMark(tail, 'end');
  if (end?.mark.exitCode === undefined) return undefined;
  const prompt = firstShellMark(tail, 'input', end.end);
  return prompt && { value: end.mark.exitCode, end: prompt.end };
}

/** A command's output mark followed by `start`, or by any output but another escape sequence. */
function outputStart(start: string | undefined): (tail: string) => Found<void> | undefined {
  return (tail) => {
    for (const { mark, end } of shellMarksIn(tail)) {
      if (mark.type !== 'output') continue;
      if (start === undefined ? end < tail.length && tail[end] !== '\x1b' : tail.startsWith(start, end))
        return { value: undefined, end: end + (start?.length ?? 1) };
    }
    return undefined;
  };
}

/**
 * A terminal client for measuring: it counts bytes and keeps only the output's tail, so a flood of
 * megabytes costs it nothing, and it timestamps what it waits for with performance.now().
 */
export class TerminalProbe {
  bytes = 0;
  private tail = '';
  private waiter: (() => void) | undefined;
  /** The server's last status frame: a socket opened while the sandbox starts hears `starting` first. */
  private status: 'starting' | 'ready' | undefined;
  /** Why the socket closed, with the server's error frame if it sent one: waits fail with it at once. */
  private closed: string | undefined;
  private lastError = '';

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) {
        this.bytes += data.length;
        this.tail = (this.tail + data.toString('latin1')).slice(-TAIL_BYTES);
      } else this.heard(JSON.parse(data.toString('utf8')) as ServerMessage);
      this.waiter?.();
    });
    ws.on('close', (code, reason) => {
      this.closed = `the terminal closed (${code} ${reason.toString()})${this.lastError}`;
      this.waiter?.();
    });
  }

  private heard(message: ServerMessage): void {
    if (message.type === 'status') this.status = message.state;
    else if (message.type === 'error') this.lastError = `: ${message.code}, ${message.message}`;
  }

  /**
   * Opens terminal `name` (a dock tab's name); `localAddress` binds the socket to one of this host's addresses, so
   * the server sees the reader it stands for at an address of their own.
   */
  static open(baseUrl: string, name: string, cookie: string, localAddress?: string): Promise<TerminalProbe> {
    // Named as the dock names its tabs: `main` on node1, `node2` for node2's main.
    return TerminalProbe.connect(baseUrl, terminalPath(name), cookie, localAddress);
  }

  /** Attaches to the owner's `main` as a guest of share link `address`, with the guest's cookie. */
  static asGuest(baseUrl: string, address: string, cookie: string): Promise<TerminalProbe> {
    return TerminalProbe.connect(baseUrl, `/api/shared/${address}/terminals/main`, cookie);
  }

  private static connect(
    baseUrl: string,
    path: string,
    cookie: string,
    localAddress?: string,
  ): Promise<TerminalProbe> {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}${path}?cols=200&rows=50`, {
      headers: { cookie, origin: baseUrl },
      localAddress,
    });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new TerminalProbe(ws)));
      ws.once('error', reject);
    });
  }

  type(text: string): void {
    this.ws.send(Buffer.from(text, 'utf8'), { binary: true });
  }

  /** Waits until the server says the sandbox is ready and the shell shows its first prompt, as the dock does. */
  async ready(timeoutMs?: number): Promise<void> {
    await this.find(
      (tail) => {
        const prompt = this.status === 'ready' ? firstShellMark(tail, 'input') : undefined;
        return prompt && { value: undefined, end: prompt.end };
      },
      'the sandbox to be ready and a first prompt',
      timeoutMs,
    );
  }

  /** Resolves when the output's tail matches `pattern`, checked on every frame; what matched, and all before it, is then dropped. */
  until(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray> {
    return this.find(
      (tail) => {
        const match = pattern.exec(tail);
        return match ? { value: match, end: match.index + match[0].length } : undefined;
      },
      String(pattern),
      timeoutMs,
    );
  }

  /** Waits for a command's first output after its output mark: `start`, or anything but an escape sequence. */
  async output(start?: string, timeoutMs?: number): Promise<void> {
    await this.find(outputStart(start), `output ${JSON.stringify(start ?? 'of a command')}`, timeoutMs);
  }

  private find<T>(
    look: (tail: string) => Found<T> | undefined,
    what: string,
    timeoutMs = 120_000,
  ): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(
          new Error(
            `timed out waiting for ${what}; the output ends with ${JSON.stringify(this.tail.slice(-300))}`,
          ),
        );
      }, timeoutMs);
      const check = () => {
        const found = look(this.tail);
        if (!found) {
          if (this.closed === undefined) return;
          clearTimeout(timer);
          this.waiter = undefined;
          reject(new Error(`${this.closed} while waiting for ${what}`));
          return;
        }
        clearTimeout(timer);
        this.waiter = undefined;
        this.tail = this.tail.slice(found.end);
        resolve(found.value);
      };
      this.waiter = check;
      check();
    });
  }

  /** Types a command and waits for its end mark and the next prompt; resolves with its exit code. */
  async run(command: string, timeoutMs?: number): Promise<number> {
    this.tail = '';
    this.type(`${command}\r`);
    return this.prompt(timeoutMs);
  }

  /** Waits for the running command's end mark and the next prompt; resolves with its exit code. */
  async prompt(timeoutMs?: number): Promise<number> {
    return this.find(commandEnd, 'the end of a command and the next prompt', timeoutMs);
  }

  /** Lets output that is still coming (a redrawn line) arrive, then forgets it. */
  async settle(delayMs = 50): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    this.tail = '';
  }

  close(): void {
    this.ws.close();
  }
}
