/**
 * The program a command opens (`docker run -it`, a REPL, `docker logs -f`) and the lines a block
 * types into it: each at the program's own prompt, past the echo of the one before, and the Ctrl-C
 * a block shows as `^C` once there is something to stop. One per command; BlockRun
 * (./block-run.ts) keeps the time and types what this says.
 */
import { type BlockEnding, ENDING_KEYS } from './block-meta.ts';
import { followsUntilInterrupted, INTERRUPT, programEnding } from './console-block.ts';

/** How much of a command's output a run keeps to read: a flood is cut to its tail. */
export const OUTPUT_KEPT = 256 * 1024;
/** The end of a program's prompt: `/ # `, `root@3f2a:/# `, `$ `, `>>> `, `mysql> `, `postgres=# `, `[y/N] `. */
const PROGRAM_PROMPT_TAIL = /(?:^|\n)[^\n]{0,160}(?:[#$%>] |\[(?:y\/N|Y\/n|y\/n|yes\/no)\] ?)$/;
const PASSWORD_PROMPT = /(?:password|passphrase)[^\n]{0,40}:\s*$/i;
/** `docker attach`: the shell it attaches to printed its prompt before anyone was there to see it. */
const ATTACH = /\bdocker\s+(?:container\s+)?attach\b/;

/** Keys to type now; `linesDone`: that was the program's last line, so the block's own ending may follow. */
export type ProgramStep = { keys: string; linesDone: boolean };

export class ProgramLines {
  /** The program's output since the last line typed, past that line's echo. */
  heard = '';
  /** Lines typed so far. */
  sent = 0;
  /** The block's own ^C was the last key typed: 130, bash's code for it, is what was asked for. */
  interrupted = false;
  /** The keys Berth sent to a program the block left open after its lines (see programEnding). */
  leftOpen: BlockEnding | undefined;
  private readonly lines: readonly string[];
  private echoPending = false;
  /** Whether a Ctrl-C the block asks for has waited its while for output that has not come. */
  private waitedToInterrupt = false;

  /**
   * `endedByBlock`: the block ends this command its own way (`then=` on its last command). Else a
   * command that follows until stopped, given no lines, gets the Ctrl-C a reader would press.
   */
  constructor(
    private readonly command: string,
    given: readonly string[],
    private readonly endedByBlock: boolean,
  ) {
    this.lines =
      given.length === 0 && !endedByBlock && followsUntilInterrupted(command) ? [INTERRUPT] : given;
  }

  get hasLines(): boolean {
    return this.lines.length > 0;
  }

  /** The next line to type, if any is left. */
  get next(): string | undefined {
    return this.lines[this.sent];
  }

  /** Whether the program has had all its lines, and no `exit` among them or `then=` ends it: Berth will. */
  get leftOpenAtPrompt(): boolean {
    return this.hasLines && this.next === undefined && this.leftOpen === undefined && !this.endedByBlock;
  }

  /** Whether the program, its lines all typed, sits at a password prompt they give no answer for. */
  get askingForPassword(): boolean {
    return this.next === undefined && PASSWORD_PROMPT.test(this.heard.slice(-200));
  }

  /** `docker attach`: nothing shows of the shell it attaches to until a reader presses Enter. */
  get attaches(): boolean {
    return ATTACH.test(this.command);
  }

  /** No line was typed yet and no prompt shows. */
  get unseen(): boolean {
    return this.sent === 0 && !this.atPrompt();
  }

  /** Takes the program's output (as plain text) as it comes. */
  hear(plain: string): void {
    this.heard = (this.heard + this.afterEcho(plain)).slice(-OUTPUT_KEPT);
  }

  /**
   * What to type once the program's output has paused: its next line at its prompt, the ending
   * Berth gives a program left open, or a due Ctrl-C. `wait`: a Ctrl-C is due but nothing to stop
   * has shown yet, so ask again after a while; it is pressed then anyway (a server that logs
   * nothing at start).
   */
  step(): ProgramStep | 'wait' | undefined {
    const line = this.next;
    if (line === INTERRUPT) {
      if (!this.heard.trim() && !this.waitedToInterrupt) {
        this.waitedToInterrupt = true;
        return 'wait';
      }
      this.sent++;
      this.interrupted = true;
      this.heard = '';
      return { keys: INTERRUPT, linesDone: this.next === undefined };
    }
    if (!this.atPrompt()) return undefined;
    if (line === undefined) {
      if (!this.leftOpenAtPrompt) return undefined;
      this.leftOpen = programEnding(this.command);
      return { keys: ENDING_KEYS[this.leftOpen], linesDone: false };
    }
    this.sent++;
    this.heard = '';
    this.echoPending = true;
    return { keys: `${line}\r`, linesDone: this.next === undefined };
  }

  private atPrompt(): boolean {
    return PROGRAM_PROMPT_TAIL.test(this.heard);
  }

  /** Output past the echo of the line just typed: the echo is not its answer. */
  private afterEcho(plain: string): string {
    if (!this.echoPending) return plain;
    const end = plain.indexOf('\n');
    if (end < 0) return '';
    this.echoPending = false;
    this.interrupted = false;
    this.leftOpen = undefined;
    return plain.slice(end + 1);
  }
}
