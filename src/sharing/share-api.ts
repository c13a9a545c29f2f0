/** The owner's share calls (README, "Sharing a sandbox"), as the dock's Share panel needs them. */
import type {
  NewShareView,
  OwnerPage,
  ShareKind,
  SharesView,
  ShareView,
} from '../../sandbox-server/src/contract/index.ts';
import { errorOf } from '../dock/session-api.ts';
import { sitePath } from '../links/site-path.ts';
import { SHARE_FRAGMENT } from './guest-mode.ts';

export type { NewShareView, OwnerPage, ShareKind, ShareView };

async function call(method: string, path: string, body?: object): Promise<Response> {
  const response = await fetch(sitePath(`/api/session${path}`), {
    method,
    credentials: 'same-origin',
    ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  if (!response.ok) throw new Error((await errorOf(response)).message);
  return response;
}

export async function makeShare(kind: ShareKind): Promise<NewShareView> {
  return (await (await call('POST', '/shares', { kind })).json()) as NewShareView;
}

export async function listShares(): Promise<ShareView[]> {
  return ((await (await call('GET', '/shares')).json()) as SharesView).shares;
}

export async function revokeShare(address: string): Promise<void> {
  await call('DELETE', `/shares/${address}`);
}

export async function revokeAllShares(): Promise<void> {
  await call('DELETE', '/shares');
}

/** Tells guests the page the owner is on and its results; a failure only leaves them behind. */
export async function tellPage(page: OwnerPage): Promise<void> {
  await call('PUT', '/page', page).catch(() => {});
}

/**
 * The address a guest opens: this page, the token in the fragment, which browsers never send to
 * a server, so no proxy or log between the two people keeps it.
 */
export function shareUrl(token: string, page: string = location.pathname): string {
  return new URL(`${page}#${SHARE_FRAGMENT}=${token}`, location.origin).href;
}
