/**
 * What an author may say about a console block, in its fence's meta, e.g.
 * ```` ```console exit=3 expect="inactive (dead)" ```` or ```` ```console until="root@" then="exit" ````.
 * Read by the site (to render the block) and by the guide runner (to test it); no Node or DOM here.
 */
import { TERMINAL_NAME } from '../../sandbox-server/src/contract/index.ts';
import { isHostName } from '../../sandbox-server/src/sandboxes/hosts.ts';

export type BlockEnding = 'exit' | 'ctrl-c' | 'detach' | 'eof';

export type BlockMeta = {
  /** Shown instead of Run; the runner skips the block and counts it. */
  norun?: string;
  /** The exit code the block's last command must end with (the others must end with 0). Default 0. */
  exit?: number;
  /** Text the block's output must contain; ids, digests, times, sizes and addresses may differ. */
  expect?: string;
  /** The terminal the block runs in (default `main`). */
  terminal?: string;
  /** The reader's host the block runs on (default `node1`): `host="node2"`, with `terminal=` or not. */
  host?: string;
  /**
   * A placeholder later blocks use, filled from this block's output once it succeeded:
   * `fills="join-command=docker swarm join --token \S+ \S+"` makes `<join-command>` the first
   * match of the pattern (its first group, when it has one).
   */
  fills?: { placeholder: string; pattern: string };
  /** For a last command that does not end by itself: wait for this pattern (a regular expression)… */
  until?: string;
  /** …or this many seconds (`after=2`), then end it as a reader would. */
  after?: number;
  /** How it ends (the author writes `then=`). */
  ending?: BlockEnding;
  /** Seconds the runner gives each command (default 120). */
  timeout?: number;
};

const ENDINGS: readonly BlockEnding[] = ['exit', 'ctrl-c', 'detach', 'eof'];
const PAIR = /([a-z]+)(?:=(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)))?/g;

/** Parses `key="value" key=value flag` pairs; an invalid value is an error naming the key. */
export function parseBlockMeta(meta: string): BlockMeta {
  const result: BlockMeta = {};
  for (const match of meta.matchAll(PAIR)) {
    const key = match[1] ?? '';
    const value = match[2]?.replace(/\\(.)/g, '$1') ?? match[3] ?? match[4];
    const number = () => {
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed < 0)
        throw new Error(`${key} must be a whole number, not "${value}"`);
      return parsed;
    };
    switch (key) {
      case 'norun':
        result.norun = value ?? 'this block is not meant to run in a sandbox';
        break;
      case 'exit':
        result.exit = number();
        break;
      case 'after':
        result.after = number();
        break;
      case 'timeout':
        result.timeout = number();
        break;
      case 'terminal':
        if (value === undefined || !TERMINAL_NAME.test(value))
          throw new Error('terminal must be 1-16 lower-case letters, digits or dashes, e.g. terminal="logs"');
        result.terminal = value;
        break;
      case 'host':
        if (value === undefined || !isHostName(value))
          throw new Error('host must be one of the reader\'s hosts, node1 to node9, e.g. host="node2"');
        result.host = value;
        break;
      case 'fills':
        result.fills = fillsOf(value);
        break;
      case 'expect':
      case 'until':
        if (value === undefined) throw new Error(`${key} needs a value`);
        result[key] = value;
        break;
      case 'then':
        if (!ENDINGS.includes(value as BlockEnding))
          throw new Error(`then must be one of ${ENDINGS.join(', ')}`);
        result.ending = value as BlockEnding;
        break;
      default:
        // Expressive Code's own options (title, frame, …) share the meta string.
        break;
    }
  }
  if ((result.until !== undefined || result.after !== undefined) && result.ending === undefined) {
    throw new Error('until/after need then="exit|ctrl-c|detach|eof" to say how the command ends');
  }
  return result;
}

/** `name=pattern`: the placeholder `<name>` and a regular expression that must compile. */
function fillsOf(value: string | undefined): { placeholder: string; pattern: string } {
  const match = /^([a-z][a-z0-9-]{0,31})=(.+)$/s.exec(value ?? '');
  if (!match) throw new Error('fills must be name=pattern, e.g. fills="join-command=docker swarm join \\S+"');
  try {
    new RegExp(match[2] ?? '');
  } catch (error) {
    throw new Error(`fills: the pattern does not compile: ${(error as Error).message}`);
  }
  return { placeholder: `<${match[1]}>`, pattern: match[2] ?? '' };
}

/** What a block's `fills` takes from its output (escape sequences removed), or undefined when it does not match. */
export function filledValue(fills: { pattern: string }, output: string): string | undefined {
  const match = new RegExp(fills.pattern).exec(stripTerminalCodes(output).replace(/\r/g, ''));
  const value = match?.[1] ?? match?.[0];
  return value?.trim() || undefined;
}

/** The keys each ending sends, as a reader would type them. */
export const ENDING_KEYS: Record<BlockEnding, string> = {
  exit: 'exit\r',
  'ctrl-c': '\x03',
  detach: '\x10\x11',
  eof: '\x04',
};

/** Terminal output as text: escape sequences (CSI, OSC, charset, reset) removed. */
export function stripTerminalCodes(text: string): string {
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*(?:\x07|\x1b\\)|\x1b[()][A-Z0-9]|\x1bc/g, '');
}

/** Replaces what differs between runs (ids, digests, times, sizes, addresses) and folds white space. */
export function normalizeOutput(text: string): string {
  return stripTerminalCodes(text)
    .replace(/sha256:[0-9a-f]{64}/g, '<digest>')
    .replace(/\b[0-9a-f]{12,64}\b/g, '<id>')
    .replace(/\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?/g, '<time>')
    .replace(
      /\b(?:About )?(?:an?|\d+) (?:seconds?|minutes?|hours?|days?|weeks?|months?|years?) ago\b/gi,
      '<time>',
    )
    .replace(/\b\d+(?:\.\d+)?\s?(?:[kKMGT]i?)?B\b/g, '<size>')
    .replace(/\b\d{1,3}(?:\.\d{1,3}){3}(?:\/\d{1,2})?\b/g, '<addr>')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Whether a block succeeded, given its last command's exit code (the others must have been 0). */
export function lastCodeExpected(meta: BlockMeta, code: number): boolean {
  if (meta.exit !== undefined) return code === meta.exit;
  // Ctrl-C ends a command with 130 in bash; that is how the reader was told to end it.
  if (meta.ending === 'ctrl-c') return code === 0 || code === 130;
  return code === 0;
}
