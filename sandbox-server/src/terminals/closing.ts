import {
  CLOSE_INTERNAL,
  CLOSE_NORMAL,
  CLOSE_POLICY,
  MAX_CLIENT_FRAME_BYTES,
  type ServerMessage,
  sessionEndedCode,
  type TerminalErrorCode,
} from '../contract/terminal.ts';
import type { EndReason } from '../sessions/session.ts';

/**
 * How a terminal connection ends: the last frame the client gets, if there is one, then the
 * close frame. Every ending the server chooses is in this table, so the reader's words for each
 * can be read, and changed, in one place.
 */
export type Ending = { frame?: ServerMessage; close: { code: number; reason: string } };

const error = (code: TerminalErrorCode, message: string): ServerMessage => ({ type: 'error', code, message });

export const ENDINGS = {
  /** The session ended (idle, expired, deleted…): the dock shows `message` and offers a new sandbox. */
  sessionEnded: (reason: EndReason, idleTimeoutSeconds: number): Ending => ({
    frame: error(sessionEndedCode(reason), sessionEndedMessage(reason, idleTimeoutSeconds)),
    close: { code: CLOSE_NORMAL, reason: 'session ended' },
  }),
  sandboxFailed: {
    frame: error('sandbox_failed', 'The sandbox failed to start; create a new session.'),
    close: { code: CLOSE_INTERNAL, reason: 'sandbox failed' },
  },
  /** The shell ended by itself (`exit`): the next open of the name starts a new one. */
  shellExited: (code: number): Ending => ({
    frame: { type: 'exit', code },
    close: { code: CLOSE_NORMAL, reason: 'shell exited' },
  }),
  flood: {
    frame: error('flood', 'Too many messages; the terminal was closed.'),
    close: { code: CLOSE_POLICY, reason: 'flood' },
  },
  frameTooLarge: {
    frame: error('frame_too_large', `A frame may carry at most ${MAX_CLIENT_FRAME_BYTES} bytes.`),
    close: { code: CLOSE_POLICY, reason: 'frame too large' },
  },
  /** A guest's link was revoked by its owner: the guest's sockets close at once. */
  shareRevoked: {
    frame: error('share_revoked', 'The owner of this sandbox stopped sharing it with this link.'),
    close: { code: CLOSE_NORMAL, reason: 'share revoked' },
  },
  /** A watcher asked for a terminal that has no shell: guests never start one. */
  noSuchTerminal: (name: string): Ending => ({
    frame: error('no_such_terminal', `There is no terminal ${name} in this sandbox to watch.`),
    close: { code: CLOSE_NORMAL, reason: 'no such terminal' },
  }),
  /** A fault of the server's own: the log says what; the client only learns to reconnect. */
  terminalFailed: { close: { code: CLOSE_INTERNAL, reason: 'terminal failed' } },
} satisfies Record<string, Ending | ((...args: never[]) => Ending)>;

/** Why the sandbox went away, in words for the reader. */
export function sessionEndedMessage(reason: EndReason, idleTimeoutSeconds: number): string {
  switch (reason) {
    case 'idle':
      return `Your sandbox was removed after ${Math.round(idleTimeoutSeconds / 60)} minutes without input.`;
    case 'expired':
      return 'Your sandbox reached the end of its lifetime.';
    case 'failed':
      return 'Your sandbox failed.';
    default:
      return 'Your sandbox has ended.';
  }
}
