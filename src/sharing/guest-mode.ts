/**
 * Whether this browser tab is a guest of someone else's sandbox, through a share link: joined
 * from the link's `#berth-share=<token>` fragment, kept in sessionStorage so that following the
 * owner from page to page stays a guest, and left for good when the reader says so or the link
 * ends. The token itself is kept by the browser only as the guest cookie the server set.
 */
import type { JoinedView, ShareKind } from '../../sandbox-server/src/contract/index.ts';
import { sitePath } from '../links/site-path.ts';

const GUEST_KEY = 'berth-guest';
/** The fragment a share link carries its token in: never sent to a server, never in a log. */
export const SHARE_FRAGMENT = 'berth-share';

/** The link this tab is a guest through, and the name its guest gave. */
export type GuestLink = { address: string; kind: ShareKind; name: string };

function storage(): Storage | undefined {
  return typeof sessionStorage === 'undefined' ? undefined : sessionStorage;
}

/** The link this tab is a guest of, or undefined for a reader in their own sandbox. */
export function guestLink(): GuestLink | undefined {
  try {
    const saved = JSON.parse(storage()?.getItem(GUEST_KEY) ?? 'null') as Partial<GuestLink> | null;
    if (!saved || !/^[0-9a-f]{20}$/.test(saved.address ?? '')) return undefined;
    if (saved.kind !== 'watch' && saved.kind !== 'drive') return undefined;
    return { address: saved.address as string, kind: saved.kind, name: String(saved.name ?? '') };
  } catch {
    return undefined;
  }
}

export function nameAsGuest(name: string): void {
  const link = guestLink();
  if (link) storage()?.setItem(GUEST_KEY, JSON.stringify({ ...link, name }));
}

export function leaveGuestMode(): void {
  storage()?.removeItem(GUEST_KEY);
}

/** The share token in this page's address, if it came from a share link. */
export function shareTokenInAddress(hash = location.hash): string | undefined {
  const value = new URLSearchParams(hash.replace(/^#/, '')).get(SHARE_FRAGMENT);
  return value && /^[A-Za-z0-9_-]{43}$/.test(value) ? value : undefined;
}

/**
 * Trades the link's token for the guest cookie and becomes its guest; the fragment leaves the
 * address bar at once, so a reload or a copied address does not carry the token on.
 */
export async function joinShare(token: string): Promise<GuestLink> {
  history.replaceState(history.state, '', `${location.pathname}${location.search}`);
  const ask = () =>
    fetch(sitePath('/api/shared'), {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
  // The token is in no address any more: a dropped request is asked again rather than lost.
  const response = await ask().catch(() => new Promise((wait) => setTimeout(wait, 1000)).then(ask));
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
    throw new Error(body.error?.message ?? `The server answered ${response.status}.`);
  }
  const joined = (await response.json()) as JoinedView;
  const link: GuestLink = { address: joined.address, kind: joined.kind, name: guestLink()?.name ?? '' };
  storage()?.setItem(GUEST_KEY, JSON.stringify(link));
  return link;
}
