import { guestLink } from '../sharing/guest-mode.ts';
import { sitePath } from './site-path.ts';

/**
 * Where the sandbox this tab works with is served: the reader's own at /api/session, or, for a
 * share link's guest, the owner's at /api/shared/<address>, whose paths below are the same.
 */
export function sessionRoot(): string {
  const guest = guestLink();
  return guest ? `/api/shared/${guest.address}` : '/api/session';
}

/** A path of the sandbox's API, under the site's base path: `sessionPath('/ports')`. */
export function sessionPath(path = ''): string {
  return sitePath(`${sessionRoot()}${path}`);
}
