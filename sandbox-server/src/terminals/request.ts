import type { Config } from '../config/index.ts';
import { MAX_GUEST_TERMINALS } from '../contract/sharing.ts';
import { parseSize, TERMINAL_NAME, type TerminalSize } from '../contract/terminal.ts';
import { ApiError } from '../errors/index.ts';
import { FIRST_HOST, type HostName } from '../sandboxes/hosts.ts';
import { isAllowedOrigin } from '../sessions/origin.ts';
import { MAX_OPEN_TERMINALS, type Session } from '../sessions/session.ts';
import type { Sessions } from '../sessions/sessions.ts';
import { guestOf } from '../sharing/guests.ts';
import type { ShareLink } from '../sharing/share-links.ts';

export type TerminalRequest = {
  session: Session;
  sandboxHost: HostName;
  name: string;
  size: TerminalSize;
  /** The share link a guest came through; undefined for the owner. */
  link?: ShareLink | undefined;
};

type RequestParts = {
  /** A guest's link address, from /api/shared/:address/…; undefined for the owner's paths. */
  share?: string | undefined;
  /** The reader's host the terminal is on, from /hosts/:host/terminals/:name; node1 when absent. */
  sandboxHost?: string | undefined;
  name: string;
  cols: string | undefined;
  rows: string | undefined;
  origin: string | undefined;
  host: string | undefined;
  cookie: string | undefined;
};

/** Checks a request for a terminal, in the order the contract gives: origin, session, then its own input. */
export function checkTerminalRequest(
  parts: RequestParts,
  sessions: Pick<Sessions, 'fromCookie' | 'fromShareToken'>,
  config: Pick<Config, 'allowedOrigins'>,
  { opening } = { opening: true },
): TerminalRequest {
  if (!isAllowedOrigin(parts.origin, parts.host, config.allowedOrigins)) {
    throw new ApiError(
      'forbidden_origin',
      'Terminals open only from the site itself; this Origin is not allowed.',
    );
  }
  // The owner's paths know only the session cookie; a guest's only the cookie of that link.
  const guest = parts.share === undefined ? undefined : guestOf(sessions, parts.share, parts.cookie);
  const session = parts.share === undefined ? sessions.fromCookie(parts.cookie) : guest?.session;
  if (!session) {
    throw new ApiError(
      'unauthorized',
      parts.share === undefined
        ? 'No live session: create one with POST /api/session first.'
        : 'This share link is not live (revoked, or its sandbox ended), or this browser has not joined it.',
    );
  }
  const link = guest?.link;
  if (link?.kind === 'watch' && !opening) {
    throw new ApiError('share_read_only', 'This share link is for watching: it cannot close terminals.');
  }
  // Guests' sockets are counted apart, so they never keep the owner out. Closing one must never
  // be refused for having too many open.
  const [open, most, whose] = link
    ? [session.links.guestTerminals, MAX_GUEST_TERMINALS, "A sandbox's guests"]
    : [session.openTerminals, MAX_OPEN_TERMINALS, 'A session'];
  if (opening && open >= most) {
    throw new ApiError('too_many_terminals', `${whose} may have ${most} terminals open at once.`);
  }
  const sandboxHost = session.hostNamed(parts.sandboxHost ?? FIRST_HOST);
  if (!TERMINAL_NAME.test(parts.name)) {
    throw new ApiError(
      'invalid_terminal_name',
      'A terminal name is 1-16 lower-case letters, digits or dashes, starting with a letter or digit.',
    );
  }
  const size = parseSize(parts.cols, parts.rows);
  if (typeof size === 'string') throw new ApiError('invalid_terminal_size', `Bad terminal size: ${size}.`);
  // Each open starts a program in the sandbox; opening and closing in a loop must not be free.
  if (opening) (link ?? session).terminalOpens.take();
  return { session, sandboxHost, name: parts.name, size, link };
}
