/**
 * OSC 133, the marks the sandbox's shell writes around its prompts and commands
 * (../images/sandbox/shell-integration.bash): `ESC ] 133 ; payload` ended by BEL or `ESC \`.
 * Read here once, for the dock and the block runner in the browser, the guide runner, the tests'
 * terminal client and the bench.
 */

export type ShellMark =
  /** `A`: a prompt starts. */
  | { type: 'prompt' }
  /** `A;k=s`: a continuation prompt starts: the shell still reads the line it was given. */
  | { type: 'continuation' }
  /** `B`: the prompt is whole; the shell reads a new line. */
  | { type: 'input' }
  /** `C`: the line the shell read starts to run; its output follows. */
  | { type: 'output' }
  /** `D;code`: it ended, with that exit code (missing only if the shell gave none). */
  | { type: 'end'; exitCode: number | undefined };

export type ShellMarkType = ShellMark['type'];

/** A mark in a text, and where its sequence starts and ends. */
export type FoundMark<T extends ShellMarkType = ShellMarkType> = {
  mark: Extract<ShellMark, { type: T }>;
  index: number;
  end: number;
};

/** Text between marks, or a mark, in the order the terminal wrote them. */
export type ShellPiece = string | ShellMark;

const SEQUENCE = /\x1b\]133;([^\x07\x1b]*)(?:\x07|\x1b\\)/g;
/** An escape sequence cut off at the end of a chunk: an ESC alone, or an OSC not ended yet. */
const CUT_OFF = /\x1b(?:\][^\x07\x1b]*(?:\x1b)?)?$/;
/** A mark is a few bytes: an unended OSC this long is not one, and is passed on rather than held. */
const MAX_HELD = 512;

/** The mark one sequence's payload (`B`, `D;1`: what xterm's OSC handler is given) stands for. */
export function parseShellMark(payload: string): ShellMark | undefined {
  const [kind, detail] = payload.split(';');
  switch (kind) {
    case 'A':
      return detail === 'k=s' ? { type: 'continuation' } : { type: 'prompt' };
    case 'B':
      return { type: 'input' };
    case 'C':
      return { type: 'output' };
    case 'D':
      return { type: 'end', exitCode: detail && /^-?\d+$/.test(detail) ? Number(detail) : undefined };
    default:
      return undefined;
  }
}

/** Every OSC 133 sequence in `text` from `from` on, marks of kinds Berth does not read included. */
function* sequencesIn(text: string, from: number) {
  const sequences = new RegExp(SEQUENCE);
  sequences.lastIndex = from;
  for (let found = sequences.exec(text); found; found = sequences.exec(text)) {
    yield { mark: parseShellMark(found[1] ?? ''), index: found.index, end: found.index + found[0].length };
  }
}

/** The whole marks in a text read at once (a transcript, a tail), in order. */
export function* shellMarksIn(text: string, from = 0): Generator<FoundMark> {
  for (const { mark, index, end } of sequencesIn(text, from)) if (mark) yield { mark, index, end };
}

/** The first mark of one type in `text` from `from` on. */
export function firstShellMark<T extends ShellMarkType>(
  text: string,
  type: T,
  from = 0,
): FoundMark<T> | undefined {
  for (const { mark, index, end } of shellMarksIn(text, from)) {
    if (isOfType(mark, type)) return { mark, index, end };
  }
  return undefined;
}

function isOfType<T extends ShellMarkType>(
  mark: ShellMark,
  type: T,
): mark is Extract<ShellMark, { type: T }> {
  return mark.type === type;
}

/**
 * Reads a terminal's output as it arrives: each chunk as its text and marks in order. A sequence
 * cut off at a chunk's end is held until the next chunk completes it.
 */
export class ShellMarkReader {
  #held = '';

  read(chunk: string): ShellPiece[] {
    let data = this.#held + chunk;
    const cut = CUT_OFF.exec(data);
    this.#held = cut && cut[0].length < MAX_HELD ? cut[0] : '';
    if (this.#held) data = data.slice(0, -this.#held.length);
    const pieces: ShellPiece[] = [];
    let at = 0;
    for (const { mark, index, end } of sequencesIn(data, 0)) {
      if (index > at) pieces.push(data.slice(at, index));
      if (mark) pieces.push(mark);
      at = end;
    }
    if (at < data.length) pieces.push(data.slice(at));
    return pieces;
  }
}
