import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import {
  type GuestView,
  MAX_GUEST_TERMINALS,
  MAX_GUESTS_PER_LINK,
  type OwnerPage,
  type ShareKind,
  type ShareView,
} from '../contract/sharing.ts';
import type { ShareRecord } from '../sandboxes/driver.ts';
import { WorkBudget } from '../sessions/work-budget.ts';

/**
 * Where a link is named in paths (/api/shared/<address>/…, /preview/<address>/…): derived from
 * its id (the SHA-256 of its token), as a preview id is from a session's, so it survives a
 * restart and tells nothing of the token.
 */
export function shareAddress(shareId: string): string {
  return createHash('sha256').update(`berth-share:${shareId}`).digest('hex').slice(0, 20);
}

/** A guest's events socket: who is connected, as the owner sees it. */
export type Presence = { name: string; connectedAt: Date };

/**
 * One share link of a session: what it lets its guests do, who is connected, and their own
 * budgets, so guests cannot use up the owner's (a leaked link opened by a crowd costs the link).
 */
export class ShareLink {
  readonly address: string;
  readonly guests = new Set<Presence>();
  /** Guests' terminal sockets through this link. */
  openTerminals = 0;
  readonly execs = new WorkBudget('its contents', { concurrent: 4, perSecond: 10, burst: 20 });
  readonly terminalOpens = new WorkBudget('terminals', {
    concurrent: Number.POSITIVE_INFINITY,
    perSecond: 1,
    burst: 40,
  });
  private readonly revocation = new AbortController();

  constructor(readonly record: ShareRecord) {
    this.address = shareAddress(record.id);
    // Every guest socket listens for the revocation: its terminals and its events.
    setMaxListeners(MAX_GUEST_TERMINALS + MAX_GUESTS_PER_LINK + 8, this.revocation.signal);
  }

  get kind(): ShareKind {
    return this.record.kind;
  }

  /** Aborted when the link is revoked or its session ends: guests' sockets close on it. */
  get revoked(): AbortSignal {
    return this.revocation.signal;
  }

  revoke(): void {
    this.revocation.abort('revoked');
  }

  view(): ShareView {
    const guests: GuestView[] = [...this.guests].map((g) => ({
      name: g.name,
      connectedAt: g.connectedAt.toISOString(),
    }));
    return { address: this.address, kind: this.kind, createdAt: this.record.createdAt.toISOString(), guests };
  }
}

/** A session's share links, and what its owner shows its guests (their page, their results). */
export class ShareLinks {
  private readonly byAddress = new Map<string, ShareLink>();
  private ownerPage: OwnerPage | undefined;
  /** Guests' events sockets, told when what they see may have changed. */
  private readonly watchers = new Set<() => void>();

  /** What the owner's dock last said of its page (PUT /api/session/page). */
  get page(): OwnerPage | undefined {
    return this.ownerPage;
  }

  set page(page: OwnerPage | undefined) {
    this.ownerPage = page;
    this.changed();
  }

  /** Calls `listener` whenever what guests see may have changed; returns how to stop. */
  onChange(listener: () => void): () => void {
    this.watchers.add(listener);
    return () => this.watchers.delete(listener);
  }

  /** What guests see may have changed: a page, a terminal, a host. */
  changed(): void {
    for (const listener of this.watchers) listener();
  }

  add(record: ShareRecord): ShareLink {
    const link = new ShareLink(record);
    this.byAddress.set(link.address, link);
    return link;
  }

  get(address: string): ShareLink | undefined {
    return this.byAddress.get(address);
  }

  all(): ShareLink[] {
    return [...this.byAddress.values()];
  }

  /** Removes the link and closes every socket of its guests. */
  revoke(address: string): ShareLink | undefined {
    const link = this.byAddress.get(address);
    this.byAddress.delete(address);
    link?.revoke();
    return link;
  }

  revokeAll(): void {
    for (const address of [...this.byAddress.keys()]) this.revoke(address);
  }

  /** Guests' terminal sockets through every link together. */
  get guestTerminals(): number {
    let count = 0;
    for (const link of this.byAddress.values()) count += link.openTerminals;
    return count;
  }
}
