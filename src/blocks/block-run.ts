/**
 * Runs one console block in a shell and judges it: the one way Berth does, for the dock in the
 * browser and for the guide runner in Node alike (no DOM, no Node here). It types each command
 * once the previous one has ended, reads the shell's OSC 133 marks in the output it is fed, ends
 * a last command the way the block says, and gives a verdict that is never ✓ for a command that
 * did not run and succeed.
 */
import { type ShellMark, ShellMarkReader } from '../../sandbox-server/src/contract/index.ts';
import {
  type BlockEnding,
  type BlockMeta,
  ENDING_KEYS,
  lastCodeExpected,
  normalizeOutput,
  stripTerminalCodes,
} from './block-meta.ts';
import { followsUntilInterrupted, INTERRUPT, programEnding } from './console-block.ts';

/** `code` is the last command's exit code, when it ran to an end; `reason` says why it failed. */
export type BlockVerdict =
  | {
      outcome: 'ran';
      ok: boolean;
      code: number | undefined;
      command: string;
      reason?: string;
      output: string;
    }
  | { outcome: 'cancelled' };

/** How a run reaches its terminal, and the time (the host's own clock unless a test gives one). */
export type BlockIo = {
  send(text: string): void;
  /** Calls `fire` once after `ms`; the function returned cancels it. */
  setTimer?(ms: number, fire: () => void): () => void;
};

/** The clock of whatever runs this, the browser or Node. */
function hostTimer(ms: number, fire: () => void): () => void {
  const timer = globalThis.setTimeout(fire, ms);
  return () => globalThis.clearTimeout(timer);
}

export type BlockRunOptions = {
  /** The longest one command may take before it is stopped with Ctrl-C; none when not given. */
  timeoutMs?: number;
  /** For each command, the lines typed into the program it opens, each at that program's prompt. */
  inputs?: readonly (readonly string[])[];
};

/** A shell left at its continuation prompt this long, with nothing more to read, waits for input that is not coming. */
export const CONTINUATION_QUIET_MS = 1_000;
/** How long a verdict waits for the prompt to come back after the last command, so the next block types into it. */
export const PROMPT_GRACE_MS = 3_000;
/** After Berth stopped a command with Ctrl-C, how long before a second one if no prompt came back. */
export const SECOND_INTERRUPT_MS = 1_000;
/** `docker attach`, after which a reader presses Enter to see the prompt, this long after it started. */
const ATTACH = /\bdocker\s+(?:container\s+)?attach\b/;
export const ATTACH_NUDGE_MS = 1_000;
/** A program's prompt is taken as shown once its output has paused this long on it. */
export const PROGRAM_PROMPT_QUIET_MS = 300;
/** A command stopped with Ctrl-C (a `^C` line) that shows nothing is stopped after this long anyway. */
export const SILENT_INTERRUPT_MS = 2_000;
/** A command waiting this long at a password prompt the block gives no answer for is waiting for nothing. */
export const PASSWORD_QUIET_MS = 2_000;
const PASSWORD_PROMPT = /(?:password|passphrase)[^\n]{0,40}:\s*$/i;
/** The end of a program's prompt: `/ # `, `root@3f2a:/# `, `$ `, `>>> `, `mysql> `, `postgres=# `, `[y/N] `. */
const PROGRAM_PROMPT_TAIL = /(?:^|\n)[^\n]{0,160}(?:[#$%>] |\[(?:y\/N|Y\/n|y\/n|yes\/no)\] ?)$/;

const OUTPUT_KEPT = 256 * 1024;

type Phase = 'idle' | 'typed' | 'running' | 'ended' | 'finished';

/** A line that holds only comments or nothing: bash runs nothing for it, rightly. */
function runsNothing(command: string): boolean {
  return command.split('\n').every((line) => /^\s*(#.*)?$/.test(line));
}

export class BlockRun {
  readonly done: Promise<BlockVerdict>;
  /** Whether the shell was back at its prompt when the verdict came: else the next block would type into whatever holds it. */
  atPrompt = false;
  private resolve!: (verdict: BlockVerdict) => void;
  private phase: Phase = 'idle';
  private index = -1;
  private readonly marks = new ShellMarkReader();
  /** Everything since the current command was typed, as text, and since it started (its C mark). */
  private sinceTyped = '';
  private commandOutput = '';
  private allOutput = '';
  private keysSent = false;
  private untilSeen = false;
  /** Lines of the current command's program typed so far, and its output since the last one. */
  private inputsSent = 0;
  private sinceInput = '';
  private inputTimer: (() => void) | undefined;
  private echoPending = false;
  /** Whether the block's own ^C was sent: 130, bash's code for it, is then what was asked for. */
  private interrupted = false;
  /** Whether a Ctrl-C the block asks for has waited its while for output that has not come. */
  private waitedToInterrupt = false;
  private passwordTimer: (() => void) | undefined;
  /** Each command's program lines; a command that follows until stopped gets the Ctrl-C a reader would press. */
  private readonly inputs: readonly (readonly string[])[];
  /** The keys Berth sent to a program the block left open after its lines (see programEnding). */
  private leftOpen: BlockEnding | undefined;
  private verdict: BlockVerdict | undefined;
  private timers: Array<() => void> = [];
  private continuationTimer: (() => void) | undefined;

  private readonly setTimer: (ms: number, fire: () => void) => () => void;

  constructor(
    private readonly commands: readonly string[],
    private readonly meta: BlockMeta,
    private readonly io: BlockIo,
    private readonly options: BlockRunOptions = {},
  ) {
    this.setTimer = io.setTimer ?? hostTimer;
    this.inputs = commands.map((command, index) => {
      const given = options.inputs?.[index] ?? [];
      const endedByMeta = index === commands.length - 1 && meta.ending !== undefined;
      return given.length === 0 && !endedByMeta && followsUntilInterrupted(command) ? [INTERRUPT] : given;
    });
    this.done = new Promise((resolve) => {
      this.resolve = resolve;
    });
  }

  /** Whether it has typed anything: output that arrived before is not its news. */
  get begun(): boolean {
    return this.phase !== 'idle';
  }

  /** Types the first command; the shell must be at its prompt. */
  start(): void {
    if (this.phase !== 'idle') return;
    if (this.commands.length === 0) {
      this.finish({ outcome: 'ran', ok: true, code: 0, command: '', output: '' });
      return;
    }
    this.typeNext();
  }

  /** Output of the terminal, as it arrives (decoded text). */
  feed(text: string): void {
    if (this.phase === 'idle' || this.phase === 'finished') return;
    for (const piece of this.marks.read(text)) {
      if (typeof piece === 'string') this.text(piece);
      else this.mark(piece);
      // A mark may have ended the run.
      if ((this.phase as Phase) === 'finished') return;
    }
  }

  /** Stops judging: the reader stopped it, or the terminal went away. */
  cancel(): void {
    this.finish({ outcome: 'cancelled' });
  }

  private get command(): string {
    return this.commands[this.index] ?? '';
  }

  private get last(): boolean {
    return this.index === this.commands.length - 1;
  }

  private typeNext(): void {
    this.index++;
    this.phase = 'typed';
    this.atPrompt = false;
    this.sinceTyped = '';
    this.commandOutput = '';
    this.keysSent = false;
    this.untilSeen = false;
    this.inputsSent = 0;
    this.sinceInput = '';
    this.echoPending = false;
    this.interrupted = false;
    this.waitedToInterrupt = false;
    this.leftOpen = undefined;
    this.verdict = undefined;
    this.clearTimers();
    const { timeoutMs } = this.options;
    if (timeoutMs) this.timers.push(this.setTimer(timeoutMs, () => this.timedOut(timeoutMs)));
    // A terminal sends Enter as CR; heredoc and continuation lines go the same way.
    this.io.send(`${this.command.replace(/\n/g, '\r')}\r`);
  }

  private text(chunk: string): void {
    if (!chunk) return;
    const plain = stripTerminalCodes(chunk);
    this.sinceTyped = (this.sinceTyped + plain).slice(-OUTPUT_KEPT);
    if (this.phase === 'typed' && this.continuationTimer) this.watchContinuation();
    if (this.phase !== 'running') return;
    this.commandOutput = (this.commandOutput + plain).slice(-OUTPUT_KEPT);
    this.allOutput = (this.allOutput + plain).slice(-OUTPUT_KEPT);
    this.sinceInput = (this.sinceInput + this.afterEcho(plain)).slice(-OUTPUT_KEPT);
    if (this.nextInput() !== undefined || this.leftOpenAtPrompt()) this.watchForProgramPrompt();
    else if (this.meta.until !== undefined && this.endsByReader()) this.checkUntil();
    this.watchForPassword();
  }

  /**
   * `docker login`, `su`, `sudo` with a password: a prompt for one that the block does not answer
   * waits for an account the sandbox does not have. Stopped, and said so, once it has waited a moment.
   */
  private watchForPassword(): void {
    this.passwordTimer?.();
    this.passwordTimer = undefined;
    if (this.nextInput() !== undefined || this.meta.until !== undefined) return;
    if (!PASSWORD_PROMPT.test(this.sinceInput.slice(-200))) return;
    this.passwordTimer = this.setTimer(PASSWORD_QUIET_MS, () => {
      if (this.phase === 'running' && PASSWORD_PROMPT.test(this.sinceInput.slice(-200)))
        this.stop(
          'it asks for a password the block does not give (an account this sandbox has none of); stopped with Ctrl-C',
        );
    });
  }

  private mark(mark: ShellMark): void {
    if (mark.type === 'continuation') {
      // bash's continuation prompt: fine while it reads the rest of a block's lines, a failure
      // when nothing more is coming (an unclosed quote, bracket or heredoc).
      if (this.phase === 'typed') this.watchContinuation();
    } else if (mark.type === 'output') {
      this.stopWatchingContinuation();
      if (this.phase === 'typed') this.started();
    } else if (mark.type === 'end') {
      if (this.phase === 'running') this.ended(mark.exitCode);
    } else if (mark.type === 'input') {
      // The prompt is whole (A opened it): the shell reads a new line.
      this.stopWatchingContinuation();
      this.atPrompt = true;
      if (this.phase === 'typed') this.ranNothing();
      else if (this.phase === 'ended') this.promptBack();
    }
  }

  /** Whether the reader's way of ending the command applies to this one: once its program has had its lines. */
  private endsByReader(): boolean {
    return this.last && this.meta.ending !== undefined && !this.keysSent && this.nextInput() === undefined;
  }

  private started(): void {
    this.phase = 'running';
    if (this.nextInput() === undefined) {
      this.endAsTheReader();
      return;
    }
    this.watchForProgramPrompt();
    // An attached shell printed its prompt before anyone was attached: nothing shows until Enter,
    // which is what a reader presses (Docker's docs leave that line blank).
    if (ATTACH.test(this.command))
      this.timers.push(
        this.setTimer(ATTACH_NUDGE_MS, () => {
          if (this.phase === 'running' && this.inputsSent === 0 && !PROGRAM_PROMPT_TAIL.test(this.sinceInput))
            this.io.send('\r');
        }),
      );
  }

  private endAsTheReader(): void {
    if (!this.endsByReader()) return;
    if (this.meta.until === undefined) this.endAfterDelay();
    else this.checkUntil();
  }

  /** Output past the echo of the line just typed into a program: the echo is not its answer. */
  private afterEcho(plain: string): string {
    if (!this.echoPending) return plain;
    const end = plain.indexOf('\n');
    if (end < 0) return '';
    this.echoPending = false;
    this.interrupted = false;
    this.leftOpen = undefined;
    return plain.slice(end + 1);
  }

  /** Whether the program has had all its lines, and no `exit` among them or `then=` ends it: Berth will. */
  private leftOpenAtPrompt(): boolean {
    const lines = this.inputs[this.index]?.length ?? 0;
    return (
      lines > 0 &&
      this.inputsSent === lines &&
      this.leftOpen === undefined &&
      !(this.last && this.meta.ending !== undefined)
    );
  }

  /** The next line to type into the current command's program, if any is left. */
  private nextInput(): string | undefined {
    return this.inputs[this.index]?.[this.inputsSent];
  }

  /** Types the program's next line once its prompt shows and its output has paused. */
  private watchForProgramPrompt(): void {
    this.inputTimer?.();
    this.inputTimer = this.setTimer(PROGRAM_PROMPT_QUIET_MS, () => {
      const input = this.nextInput();
      if (this.phase !== 'running') return;
      // Ctrl-C where the block shows ^C: once what it stops has shown some output, not at a prompt.
      if (input === INTERRUPT) {
        // A server that logs nothing at start: pressed anyway, after a while.
        if (!this.sinceInput.trim() && !this.waitedToInterrupt) {
          this.waitedToInterrupt = true;
          this.timers.push(this.setTimer(SILENT_INTERRUPT_MS, () => this.watchForProgramPrompt()));
          return;
        }
        this.inputsSent++;
        this.interrupted = true;
        this.sinceInput = '';
        this.io.send(INTERRUPT);
        if (this.nextInput() === undefined) this.endAsTheReader();
        return;
      }
      if (!PROGRAM_PROMPT_TAIL.test(this.sinceInput)) return;
      if (input === undefined) {
        // Its prompt again after its last line: the block left it open, so it is ended Berth's way.
        if (!this.leftOpenAtPrompt()) return;
        this.leftOpen = programEnding(this.command);
        this.io.send(ENDING_KEYS[this.leftOpen]);
        return;
      }
      this.inputsSent++;
      this.sinceInput = '';
      this.echoPending = true;
      this.io.send(`${input}\r`);
      if (this.nextInput() === undefined) this.endAsTheReader();
    });
  }

  private checkUntil(): void {
    if (this.untilSeen) return;
    // After a program's lines, the pattern is looked for in what came after the last of them.
    const seen = this.inputs[this.index]?.length ? this.sinceInput : this.commandOutput;
    if (!new RegExp(this.meta.until ?? '', 'm').test(seen)) return;
    this.untilSeen = true;
    this.endAfterDelay();
  }

  private endAfterDelay(): void {
    const send = () => {
      // Only to a command still running: sent after its end, the keys would land at the prompt
      // (Ctrl-P recalls the last line into the next block's command).
      if (this.phase !== 'running' || this.keysSent || !this.meta.ending) return;
      this.keysSent = true;
      this.io.send(ENDING_KEYS[this.meta.ending]);
    };
    if (this.meta.after) this.timers.push(this.setTimer(this.meta.after * 1000, send));
    else send();
  }

  private ended(exit: number | undefined): void {
    this.phase = 'ended';
    this.clearTimers();
    if (exit === undefined) {
      this.verdict = this.failed(undefined, 'the shell reported no exit code');
    } else if (this.leftOpen) {
      const ok = this.endedAsLeft(exit);
      if (!ok) this.verdict = this.failed(exit, `expected the ${this.leftOpen} Berth sent to end it`);
      else if (this.last) this.verdict = this.passed(exit);
    } else if (this.interrupted && exit === 130) {
      if (this.last) this.verdict = this.passed(exit);
    } else if (!this.last) {
      if (exit !== 0) this.verdict = this.failed(exit, 'expected exit 0');
    } else {
      const ok = this.keysSent ? this.endedAsAsked(exit) : this.endedByItself(exit);
      this.verdict = ok ? this.passed(exit) : this.failed(exit, this.whyNot());
    }
    this.timers.push(this.setTimer(PROMPT_GRACE_MS, () => this.promptBack()));
  }

  /**
   * A command ended the block's way. Detached (Ctrl-P Ctrl-Q), `docker run -it` exits 0 and
   * `docker attach` and `docker exec -it` exit 1 saying "read escape sequence": both are what the
   * block asked for.
   */
  private endedAsAsked(code: number): boolean {
    if (this.meta.ending === 'detach' && this.meta.exit === undefined) return this.detached(code);
    return lastCodeExpected(this.meta, code);
  }

  private detached(code: number): boolean {
    return code === 0 || (code === 1 && /read escape sequence/.test(this.commandOutput));
  }

  /** A program Berth ended after the block's lines: detached, or ended with its input. */
  private endedAsLeft(code: number): boolean {
    if (this.last && this.meta.exit !== undefined) return code === this.meta.exit;
    return this.leftOpen === 'detach' ? this.detached(code) : code === 0;
  }

  /** A command the block would have ended, that ended first: judged by its own exit code. */
  private endedByItself(code: number): boolean {
    if (this.meta.ending === undefined) return lastCodeExpected(this.meta, code);
    return code === (this.meta.exit ?? 0);
  }

  /** Why an exit code is not the one wanted; the code itself is shown beside it. */
  private whyNot(): string {
    if (this.meta.ending !== undefined && !this.keysSent && this.meta.until !== undefined)
      return `ended before /${this.meta.until}/ appeared`;
    return `expected exit ${this.meta.exit ?? 0}`;
  }

  private passed(code: number): BlockVerdict {
    if (
      this.meta.expect !== undefined &&
      !normalizeOutput(this.allOutput).includes(normalizeOutput(this.meta.expect))
    )
      return this.failed(code, `output lacks "${this.meta.expect}"`);
    return { outcome: 'ran', ok: true, code, command: this.command, output: this.allOutput };
  }

  private failed(code: number | undefined, reason: string): BlockVerdict {
    return { outcome: 'ran', ok: false, code, command: this.command, reason, output: this.allOutput };
  }

  /** The prompt after a command's end: the next command, or the verdict. */
  private promptBack(): void {
    if (this.phase !== 'ended') return;
    if (this.verdict || this.last) this.finish(this.verdict ?? this.passed(0));
    else this.typeNext();
  }

  /** The prompt came back without the command starting: it ran nothing. */
  private ranNothing(): void {
    this.phase = 'ended';
    this.clearTimers();
    if (runsNothing(this.command)) {
      this.verdict = this.last ? this.passed(0) : undefined;
      this.promptBack();
      return;
    }
    const error = /[^\n]*syntax error[^\n]*/.exec(this.sinceTyped)?.[0]?.trim();
    this.finish(this.failed(undefined, `the shell could not run it${error ? `: ${error}` : ''}`));
  }

  private watchContinuation(): void {
    this.continuationTimer?.();
    this.continuationTimer = this.setTimer(CONTINUATION_QUIET_MS, () => {
      if (this.phase === 'typed')
        this.stop('the shell is waiting for more input: an unclosed quote, bracket or heredoc');
    });
  }

  private stopWatchingContinuation(): void {
    this.continuationTimer?.();
    this.continuationTimer = undefined;
  }

  private timedOut(ms: number): void {
    if (this.phase === 'typed' || this.phase === 'running')
      this.stop(`no end after ${Math.round(ms / 1000)} s; stopped with Ctrl-C`);
  }

  /** Cancels the line or the command with Ctrl-C, and fails once the prompt is back (or its grace is over). */
  private stop(reason: string): void {
    this.stopWatchingContinuation();
    this.clearTimers();
    this.verdict = this.failed(undefined, reason);
    this.phase = 'ended';
    this.io.send('\x03');
    // Node's REPL, among others, leaves on a second Ctrl-C; at the shell's prompt one more does nothing.
    this.timers.push(
      this.setTimer(SECOND_INTERRUPT_MS, () => {
        if (!this.atPrompt) this.io.send('\x03');
      }),
    );
    this.timers.push(this.setTimer(PROMPT_GRACE_MS, () => this.promptBack()));
  }

  private clearTimers(): void {
    for (const cancel of this.timers) cancel();
    this.timers = [];
    this.passwordTimer?.();
    this.passwordTimer = undefined;
    this.inputTimer?.();
    this.inputTimer = undefined;
  }

  private finish(verdict: BlockVerdict): void {
    if (this.phase === 'finished') return;
    this.phase = 'finished';
    this.clearTimers();
    this.stopWatchingContinuation();
    this.resolve(verdict);
  }
}
