/**
 * What a command's end means for its block, as a verdict that is never ✓ for a command that did
 * not run and end as the block declares. Pure: BlockRun (./block-run.ts) gathers how it ended.
 */
import { type BlockEnding, type BlockMeta, lastCodeExpected, normalizeOutput } from './block-meta.ts';

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

/** How one command ended, as its run saw it. */
export type CommandEnd = {
  /** Undefined when the shell reported no exit code. */
  code: number | undefined;
  /** The block's last command: its end is the block's. */
  last: boolean;
  /** The keys Berth sent to end a program the block left open after its lines. */
  leftOpen: BlockEnding | undefined;
  /** The block's own ^C was the last key typed: 130, bash's code for it, is what was asked for. */
  interrupted: boolean;
  /** The block's own ending (`then=`) was sent. */
  keysSent: boolean;
  /** What it printed after it started. */
  output: string;
};

/** A command's end judged: passed, failed and why, or (undefined) on to the next command. */
export type Judgement = { ok: true; code: number } | { ok: false; code: number | undefined; reason: string };

export function judgeEnd(meta: BlockMeta, end: CommandEnd): Judgement | undefined {
  const { code, last } = end;
  if (code === undefined) return { ok: false, code, reason: 'the shell reported no exit code' };
  if (end.leftOpen) {
    if (!endedAsLeft(meta, end, code))
      return { ok: false, code, reason: `expected the ${end.leftOpen} Berth sent to end it` };
    return last ? { ok: true, code } : undefined;
  }
  if (end.interrupted && code === 130) return last ? { ok: true, code } : undefined;
  if (!last) return code === 0 ? undefined : { ok: false, code, reason: 'expected exit 0' };
  const ok = end.keysSent ? endedAsAsked(meta, code, end.output) : endedByItself(meta, code);
  return ok ? { ok: true, code } : { ok: false, code, reason: whyNot(meta, end.keysSent) };
}

/** The block's verdict on a judgement: a pass whose output lacks what the block expects fails. */
export function verdictOf(
  meta: BlockMeta,
  judgement: Judgement,
  command: string,
  output: string,
): BlockVerdict {
  const { code } = judgement;
  if (!judgement.ok) return { outcome: 'ran', ok: false, code, command, reason: judgement.reason, output };
  if (meta.expect !== undefined && !normalizeOutput(output).includes(normalizeOutput(meta.expect)))
    return { outcome: 'ran', ok: false, code, command, reason: `output lacks "${meta.expect}"`, output };
  return { outcome: 'ran', ok: true, code, command, output };
}

/**
 * A command ended the block's way. Detached (Ctrl-P Ctrl-Q), `docker run -it` exits 0 and
 * `docker attach` and `docker exec -it` exit 1 saying "read escape sequence": both are what the
 * block asked for.
 */
function endedAsAsked(meta: BlockMeta, code: number, output: string): boolean {
  if (meta.ending === 'detach' && meta.exit === undefined) return detached(code, output);
  return lastCodeExpected(meta, code);
}

function detached(code: number, output: string): boolean {
  return code === 0 || (code === 1 && /read escape sequence/.test(output));
}

/** A program Berth ended after the block's lines: detached, or ended with its input. */
function endedAsLeft(meta: BlockMeta, end: CommandEnd, code: number): boolean {
  if (end.last && meta.exit !== undefined) return code === meta.exit;
  return end.leftOpen === 'detach' ? detached(code, end.output) : code === 0;
}

/** A command the block would have ended, that ended first: judged by its own exit code. */
function endedByItself(meta: BlockMeta, code: number): boolean {
  if (meta.ending === undefined) return lastCodeExpected(meta, code);
  return code === (meta.exit ?? 0);
}

/** Why an exit code is not the one wanted; the code itself is shown beside it. */
function whyNot(meta: BlockMeta, keysSent: boolean): string {
  if (meta.ending !== undefined && !keysSent && meta.until !== undefined)
    return `ended before /${meta.until}/ appeared`;
  return `expected exit ${meta.exit ?? 0}`;
}
