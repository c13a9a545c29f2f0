/**
 * Runs one console block in a shell and judges it: the one way Berth does, for the dock in the
 * browser and for the guide runner in Node alike (no DOM, no Node here). It types each command
 * once the previous one has ended, reads the shell's OSC 133 marks in the output it is fed, types
 * a program's lines at its prompt (./program-lines.ts), ends a last command the way the block
 * says, stops what waits for nothing, and gives a verdict (./block-verdict.ts) that is never ✓
 * for a command that did not run and succeed.
 */
import { type ShellMark, ShellMarkReader } from '../../sandbox-server/src/contract/index.ts';
import { type BlockMeta, ENDING_KEYS, stripTerminalCodes } from './block-meta.ts';
import { type BlockVerdict, judgeEnd, verdictOf } from './block-verdict.ts';
import { OUTPUT_KEPT, ProgramLines } from './program-lines.ts';

export type { BlockVerdict } from './block-verdict.ts';

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
export const ATTACH_NUDGE_MS = 1_000;
/** A program's prompt is taken as shown once its output has paused this long on it. */
export const PROGRAM_PROMPT_QUIET_MS = 300;
/** A command stopped with Ctrl-C (a `^C` line) that shows nothing is stopped after this long anyway. */
export const SILENT_INTERRUPT_MS = 2_000;
/** A command waiting this long at a password prompt the block gives no answer for is waiting for nothing. */
export const PASSWORD_QUIET_MS = 2_000;

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
  /** The current command's program and the lines it is given. */
  private program!: ProgramLines;
  private inputTimer: (() => void) | undefined;
  private passwordTimer: (() => void) | undefined;
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
    const given = this.options.inputs?.[this.index] ?? [];
    this.program = new ProgramLines(this.command, given, this.last && this.meta.ending !== undefined);
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
    this.program.hear(plain);
    if (this.program.next !== undefined || this.program.leftOpenAtPrompt) this.watchForProgramPrompt();
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
    if (this.meta.until !== undefined || !this.program.askingForPassword) return;
    this.passwordTimer = this.setTimer(PASSWORD_QUIET_MS, () => {
      if (this.phase === 'running' && this.program.askingForPassword)
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
    return this.last && this.meta.ending !== undefined && !this.keysSent && this.program.next === undefined;
  }

  private started(): void {
    this.phase = 'running';
    if (this.program.next === undefined) {
      this.endAsTheReader();
      return;
    }
    this.watchForProgramPrompt();
    // An attached shell printed its prompt before anyone was attached: nothing shows until Enter,
    // which is what a reader presses (Docker's docs leave that line blank).
    if (this.program.attaches)
      this.timers.push(
        this.setTimer(ATTACH_NUDGE_MS, () => {
          if (this.phase === 'running' && this.program.unseen) this.io.send('\r');
        }),
      );
  }

  private endAsTheReader(): void {
    if (!this.endsByReader()) return;
    if (this.meta.until === undefined) this.endAfterDelay();
    else this.checkUntil();
  }

  /** Types what the program is due once its output has paused: see ProgramLines.step. */
  private watchForProgramPrompt(): void {
    this.inputTimer?.();
    this.inputTimer = this.setTimer(PROGRAM_PROMPT_QUIET_MS, () => {
      if (this.phase !== 'running') return;
      const step = this.program.step();
      if (step === 'wait') {
        this.timers.push(this.setTimer(SILENT_INTERRUPT_MS, () => this.watchForProgramPrompt()));
        return;
      }
      if (!step) return;
      this.io.send(step.keys);
      if (step.linesDone) this.endAsTheReader();
    });
  }

  private checkUntil(): void {
    if (this.untilSeen) return;
    // After a program's lines, the pattern is looked for in what came after the last of them.
    const seen = this.program.hasLines ? this.program.heard : this.commandOutput;
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

  private ended(code: number | undefined): void {
    this.phase = 'ended';
    this.clearTimers();
    const { leftOpen, interrupted } = this.program;
    const { last, keysSent, commandOutput: output } = this;
    const judgement = judgeEnd(this.meta, { code, last, leftOpen, interrupted, keysSent, output });
    this.verdict = judgement && verdictOf(this.meta, judgement, this.command, this.allOutput);
    this.timers.push(this.setTimer(PROMPT_GRACE_MS, () => this.promptBack()));
  }

  private passed(code: number): BlockVerdict {
    return verdictOf(this.meta, { ok: true, code }, this.command, this.allOutput);
  }

  private failed(code: number | undefined, reason: string): BlockVerdict {
    return verdictOf(this.meta, { ok: false, code, reason }, this.command, this.allOutput);
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
