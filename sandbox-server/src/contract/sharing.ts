/**
 * Share links: an owner lets guests watch their sandbox, or drive it too (README, "Sharing a
 * sandbox"). What the owner's calls and the guest's calls answer, and the guest's events socket.
 */
import type { HostView, SessionState } from './session.ts';

export type ShareKind = 'watch' | 'drive';
export const SHARE_KINDS: readonly ShareKind[] = ['watch', 'drive'];

/** Links one session may have at once. */
export const MAX_SHARES = 8;

/** A guest connected through a link: their name (or "guest") and since when. */
export type GuestView = { name: string; connectedAt: string };

/** One share link as its owner sees it. `address` names it in every path; the token is secret. */
export type ShareView = { address: string; kind: ShareKind; createdAt: string; guests: GuestView[] };

/** What POST /api/session/shares answers (201): the link, and its token, told only this once. */
export type NewShareView = ShareView & { token: string };

/** GET /api/session/shares. */
export type SharesView = { shares: ShareView[] };

/** A block's result on the owner's page, as the owner's dock showed it. */
export type SharedResult = { ok: boolean; code?: number; reason?: string };

/** PUT /api/session/page: the page the owner is on and their results there, for their guests. */
export type OwnerPage = { path: string; results: Record<string, SharedResult> };

/** A terminal of the owner's sandbox a guest can attach to. */
export type SharedTerminal = { host: string; name: string };

/** GET /api/shared/:address: the sandbox as a guest sees it. */
export type SharedSessionView = {
  address: string;
  kind: ShareKind;
  state: SessionState;
  expiresAt: string;
  hosts: HostView[];
  terminals: SharedTerminal[];
  /** Undefined until the owner's dock said where it is. */
  page?: OwnerPage;
};

/** What POST /api/shared answers when a token is good: the link's address and kind. */
export type JoinedView = { address: string; kind: ShareKind };

/** Guests' terminal sockets one session holds at once, through all its links, beside its owner's. */
export const MAX_GUEST_TERMINALS = 64;
/** Guests one link may have connected (events sockets) at once. */
export const MAX_GUESTS_PER_LINK = 32;
/** A guest's name is at most this long; longer ones are cut, control characters dropped. */
export const MAX_GUEST_NAME = 32;

/**
 * The guest's events socket (/api/shared/:address/events?name=…), server to guest, one JSON
 * object per text frame: the shared sandbox at once and again whenever it changes (the owner's
 * page or results, a terminal opened, a host added), then an error frame as the last one when
 * the link is revoked or the session ends. The guest sends nothing.
 */
export type GuestEvent =
  | ({ type: 'shared' } & SharedSessionView)
  | { type: 'error'; code: 'share_revoked' | `session_${string}`; message: string };

/** A guest's name as the owner sees it: printable, trimmed, cut to MAX_GUEST_NAME, "guest" when empty. */
export function guestName(text: string | null | undefined): string {
  const printable = [...(text ?? '')]
    .filter((char) => !/[\p{C}\p{Zl}\p{Zp}]/u.test(char))
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
  return [...printable].slice(0, MAX_GUEST_NAME).join('').trim() || 'guest';
}

const MAX_RESULTS = 500;
const MAX_REASON = 200;
const MAX_PATH = 512;

/** A site path, never another origin's: `/volumes/`, not `//evil.example` or `javascript:`. */
export function isSitePath(path: unknown): path is string {
  return (
    typeof path === 'string' &&
    path.length <= MAX_PATH &&
    /^\/(?![/\\])[^\s\\#]*$/.test(path) &&
    !/[\u0000-\u001f\u007f]/.test(path)
  );
}

/** An owner's page from a request body, or a sentence saying what is wrong with it. */
export function parseOwnerPage(body: unknown): OwnerPage | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'send {"path","results"}';
  const { path, results, ...rest } = body as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return `unknown fields: ${Object.keys(rest).join(', ').slice(0, 80)}`;
  if (!isSitePath(path)) return 'path must be a path of this site, such as /volumes/';
  if (typeof results !== 'object' || results === null || Array.isArray(results)) {
    return 'results must be an object of block index → {ok, code?, reason?}';
  }
  const entries = Object.entries(results as Record<string, unknown>);
  if (entries.length > MAX_RESULTS) return `at most ${MAX_RESULTS} results`;
  const parsed: Record<string, SharedResult> = {};
  for (const [key, value] of entries) {
    if (!/^(0|[1-9][0-9]{0,3})$/.test(key)) return `a result's key is a block index, not ${key.slice(0, 20)}`;
    const { ok, code, reason, ...extra } = (value ?? {}) as Record<string, unknown>;
    const valid =
      typeof value === 'object' &&
      Object.keys(extra).length === 0 &&
      typeof ok === 'boolean' &&
      (code === undefined || (Number.isInteger(code) && (code as number) >= -1 && (code as number) <= 255)) &&
      (reason === undefined || (typeof reason === 'string' && reason.length <= MAX_REASON));
    if (!valid)
      return `result ${key} must be {ok: boolean, code?: -1…255, reason?: at most ${MAX_REASON} characters}`;
    parsed[key] = { ok: ok as boolean };
    if (code !== undefined) parsed[key].code = code as number;
    if (reason !== undefined) parsed[key].reason = reason as string;
  }
  return { path, results: parsed };
}
