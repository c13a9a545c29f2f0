/**
 * The terminal WebSocket protocol.
 * Binary frames carry raw terminal bytes both ways; text frames carry one JSON object each.
 */
import type { EndReason, SessionQueue } from './session.ts';

export const TERMINAL_NAME = /^[a-z0-9][a-z0-9-]{0,15}$/;

/** A larger frame from a client is abuse: the socket is closed with CLOSE_POLICY. */
export const MAX_CLIENT_FRAME_BYTES = 64 * 1024;

export const SIZE_LIMITS = { cols: { min: 1, max: 1000 }, rows: { min: 1, max: 500 } } as const;
export const DEFAULT_SIZE = { cols: 80, rows: 24 } as const;

export const CLOSE_NORMAL = 1000;
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_POLICY = 1008;
export const CLOSE_INTERNAL = 1011;

export type TerminalSize = { cols: number; rows: number };

export type ClientMessage = ({ type: 'resize' } & TerminalSize) | { type: 'pause' } | { type: 'resume' };

export type ServerMessage =
  /** While the session waits for a start slot, `queue` says where it is in line (see SessionView). */
  | { type: 'status'; state: 'starting' | 'ready'; queue?: SessionQueue }
  | { type: 'exit'; code: number }
  | { type: 'error'; code: TerminalErrorCode; message: string }
  /** To a guest only (a share link's socket): the terminal's size, which the owner's sockets set. */
  | ({ type: 'size' } & TerminalSize);

/** The codes of a terminal's error frames; every one but invalid_message is its last frame. */
export type TerminalErrorCode =
  | 'invalid_message'
  | 'frame_too_large'
  | 'flood'
  | 'sandbox_failed'
  /** A guest of a watch link typed: nothing was sent (the socket stays open). */
  | 'read_only'
  /** The guest's link was revoked (the last frame). */
  | 'share_revoked'
  /** A watch link's guest asked for a terminal with no shell: a guest never starts one. */
  | 'no_such_terminal'
  | ReturnType<typeof sessionEndedCode>;

/** The error code of the frame that tells a terminal its session ended, and why. */
export const sessionEndedCode = (reason: EndReason) => `session_${reason}` as const;

/** Whether an error frame's code says the session ended (then the sandbox is gone, not the socket). */
export function isSessionEnded(code: string): boolean {
  return code.startsWith('session_');
}

function isSizeValue(value: unknown, limits: { min: number; max: number }): value is number {
  return Number.isInteger(value) && (value as number) >= limits.min && (value as number) <= limits.max;
}

/** Whether a size is one a terminal may have here: what a client may ask, and what a guest is told. */
export function isTerminalSize(size: TerminalSize): boolean {
  return isSizeValue(size.cols, SIZE_LIMITS.cols) && isSizeValue(size.rows, SIZE_LIMITS.rows);
}

/** A terminal size from query values, or an error sentence saying what is wrong. */
export function parseSize(cols: string | undefined, rows: string | undefined): TerminalSize | string {
  if (cols === undefined && rows === undefined) return { ...DEFAULT_SIZE };
  const size = { cols: Number(cols ?? DEFAULT_SIZE.cols), rows: Number(rows ?? DEFAULT_SIZE.rows) };
  if (!isSizeValue(size.cols, SIZE_LIMITS.cols) || !isSizeValue(size.rows, SIZE_LIMITS.rows)) {
    return `cols must be a whole number from 1 to ${SIZE_LIMITS.cols.max} and rows from 1 to ${SIZE_LIMITS.rows.max}`;
  }
  return size;
}

/** A client's text frame as a message, or an error sentence saying what is wrong. */
export function parseClientMessage(text: string): ClientMessage | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'a text frame must be one JSON object';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'a text frame must be one JSON object';
  const message = value as Record<string, unknown>;
  switch (message.type) {
    case 'pause':
    case 'resume':
      return { type: message.type };
    case 'resize':
      if (!isSizeValue(message.cols, SIZE_LIMITS.cols) || !isSizeValue(message.rows, SIZE_LIMITS.rows)) {
        return `resize needs whole numbers cols (1-${SIZE_LIMITS.cols.max}) and rows (1-${SIZE_LIMITS.rows.max})`;
      }
      return { type: 'resize', cols: message.cols, rows: message.rows };
    default:
      return 'type must be one of resize, pause, resume';
  }
}
