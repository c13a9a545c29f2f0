import type { SandboxOwner, SandboxRecord, ShareRecord } from '../driver.ts';

/** A sandbox as its labels tell it: its session and owner. */
export type Owned = Omit<SandboxRecord, 'running' | 'hosts' | 'shares'>;

/**
 * Labels on every container, network and volume a Berth server creates. They are stored with
 * sandboxes that outlive a server, so their names stay as they are (`pooled`, `claim`).
 */
export const label = {
  instance: 'berth.instance',
  session: 'berth.session',
  client: 'berth.client',
  created: 'berth.created',
  expires: 'berth.expires',
  /** On a sandbox started without an owner (for the warm pool): its reader is not known yet. */
  pooled: 'berth.pooled',
  /** On the volume that records the owner of such a sandbox later (labels cannot change). */
  claim: 'berth.claim',
  /** On a host's container and disk: which of the reader's hosts (node1, node2, …) it is. */
  host: 'berth.host',
  /** On the volume that records a share link: the SHA-256 of its token, and what it lets a guest do. */
  share: 'berth.share',
  shareKind: 'berth.share.kind',
} as const;

/** The labels of a sandbox's resources; without an owner, it is marked as waiting for one. */
export function labelsFor(
  instance: string,
  sessionId: string,
  owner: SandboxOwner | undefined,
): Record<string, string> {
  const labels = { [label.instance]: instance, [label.session]: sessionId };
  if (!owner) return { ...labels, [label.pooled]: 'true' };
  return {
    ...labels,
    [label.client]: owner.clientAddress,
    [label.created]: owner.createdAt.toISOString(),
    [label.expires]: owner.expiresAt.toISOString(),
  };
}

/** Reads a sandbox's session and owner back from labels; undefined when they are not a whole, valid set. */
export function ownedFromLabels(labels: Record<string, string> | undefined): Owned | undefined {
  const sessionId = labels?.[label.session];
  const createdAt = new Date(labels?.[label.created] ?? '');
  const expiresAt = new Date(labels?.[label.expires] ?? '');
  if (!sessionId || !/^[0-9a-f]{64}$/.test(sessionId)) return undefined;
  if (Number.isNaN(createdAt.getTime()) || Number.isNaN(expiresAt.getTime())) return undefined;
  return { sessionId, clientAddress: labels?.[label.client] ?? '', createdAt, expiresAt };
}

/** A share link's record read back from its volume's labels; undefined unless whole and valid. */
export function shareFromLabels(
  labels: Record<string, string> | undefined,
): (ShareRecord & { sessionId: string }) | undefined {
  const sessionId = labels?.[label.session] ?? '';
  const id = labels?.[label.share] ?? '';
  const kind = labels?.[label.shareKind];
  const createdAt = new Date(labels?.[label.created] ?? '');
  if (!/^[0-9a-f]{64}$/.test(sessionId) || !/^[0-9a-f]{64}$/.test(id)) return undefined;
  if ((kind !== 'watch' && kind !== 'drive') || Number.isNaN(createdAt.getTime())) return undefined;
  return { sessionId, id, kind, createdAt };
}
