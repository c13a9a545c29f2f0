import WebSocket from 'ws';

/** A command's end mark and the next prompt's end: the shell is ready for typing again. */
const COMMAND_END = /\x1b\]133;D;(-?\d+)(?:\x07|\x1b\\)[\s\S]*?\x1b\]133;B(?:\x07|\x1b\\)/;
/** Enough of the output's tail to hold a mark split across frames. */
const TAIL_BYTES = 4096;

/**
 * A terminal client for measuring: it counts bytes and keeps only the output's tail, so a flood of
 * megabytes costs it nothing, and it timestamps what it waits for with performance.now().
 */
export class TerminalProbe {
  bytes = 0;
  private tail = '';
  private waiter: (() => void) | undefined;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary) => {
      if (!isBinary) return;
      this.bytes += data.length;
      this.tail = (this.tail + data.toString('latin1')).slice(-TAIL_BYTES);
      this.waiter?.();
    });
  }

  static open(baseUrl: string, name: string, cookie: string): Promise<TerminalProbe> {
    const ws = new WebSocket(
      `${baseUrl.replace(/^http/, 'ws')}/api/session/terminals/${name}?cols=200&rows=50`,
      {
        headers: { cookie, origin: baseUrl },
      },
    );
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new TerminalProbe(ws)));
      ws.once('error', reject);
    });
  }

  type(text: string): void {
    this.ws.send(Buffer.from(text, 'utf8'), { binary: true });
  }

  /** Resolves when the output's tail matches `pattern`, checked on every frame; what matched, and all before it, is then dropped. */
  until(pattern: RegExp, timeoutMs = 120_000): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(
          new Error(
            `timed out waiting for ${pattern}; the output ends with ${JSON.stringify(this.tail.slice(-300))}`,
          ),
        );
      }, timeoutMs);
      const check = () => {
        const match = pattern.exec(this.tail);
        if (!match) return;
        clearTimeout(timer);
        this.waiter = undefined;
        this.tail = this.tail.slice(match.index + match[0].length);
        resolve(match);
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
    return Number((await this.until(COMMAND_END, timeoutMs))[1]);
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
