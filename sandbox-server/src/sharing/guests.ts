import type { SharedSessionView } from '../contract/sharing.ts';
import { ApiError } from '../errors/index.ts';
import { cookieValues } from '../sessions/cookie.ts';
import type { Visitor } from '../sessions/middleware.ts';
import type { Session } from '../sessions/session.ts';
import type { Sessions } from '../sessions/sessions.ts';
import type { ShareLink } from './share-links.ts';

/**
 * The cookie that carries a guest's link token, never the owner's session token: one per link,
 * each scoped by its Path to that link's API (and its previews), so one browser can be the guest
 * of several links and the owner of its own sandbox at once without one standing in for another.
 */
export const GUEST_COOKIE = 'berth_guest';
export const SECURE_GUEST_COOKIE = `__Secure-${GUEST_COOKIE}`;

export function guestCookieName(secure: boolean): string {
  return secure ? SECURE_GUEST_COOKIE : GUEST_COOKIE;
}

/** A guest: the session they reach, through which link. */
export type Guest = { session: Session; link: ShareLink };

/**
 * The guest of link `address` whose token a Cookie header carries, or undefined. A header may carry
 * several guest cookies (links whose paths both match); only one for this link counts.
 */
export function guestOf(
  sessions: Pick<Sessions, 'fromShareToken'>,
  address: string | undefined,
  cookieHeader: string | undefined,
): Guest | undefined {
  if (!address) return undefined;
  for (const token of cookieValues(cookieHeader, [GUEST_COOKIE, SECURE_GUEST_COOKIE])) {
    const found = sessions.fromShareToken(token);
    if (found?.link.address === address) return found;
  }
  return undefined;
}

export const noSuchShare = () =>
  new ApiError('no_such_share', 'This share link is not live: it was revoked, or its sandbox ended.');

/** A guest as a request's visitor: the link's budget, the link's previews. */
export function guestVisitor({ session, link }: Guest): Visitor {
  return { session, execs: link.execs, previewId: link.address, link };
}

/** The sandbox as a link's guests see it (GET /api/shared/:address, and their events socket). */
export function sharedView({ session, link }: Guest): SharedSessionView {
  const view: SharedSessionView = {
    address: link.address,
    kind: link.kind,
    state: session.state,
    expiresAt: session.expiresAt.toISOString(),
    hosts: session.hostViews(),
    terminals: session.sharedTerminals(),
  };
  const { page } = session.links;
  if (page) view.page = page;
  return view;
}
