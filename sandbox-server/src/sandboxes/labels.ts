import type { SandboxSpec } from './driver.ts';

/** Labels on every container, network and volume a Berth server creates. */
export const label = {
  instance: 'berth.instance',
  session: 'berth.session',
  client: 'berth.client',
  created: 'berth.created',
  expires: 'berth.expires',
  /** On a sandbox started for the warm pool, whose session is not known yet. */
  pooled: 'berth.pooled',
  /** On the volume that records which session took a pooled sandbox (labels cannot change later). */
  claim: 'berth.claim',
} as const;

export function labelsFor(instance: string, spec: SandboxSpec): Record<string, string> {
  return {
    [label.instance]: instance,
    [label.session]: spec.sessionId,
    [label.client]: spec.clientAddress,
    [label.created]: spec.createdAt.toISOString(),
    [label.expires]: spec.expiresAt.toISOString(),
  };
}

/** Labels of a pooled sandbox: its id is a token's hash already, but no reader holds the token yet. */
export function pooledLabels(instance: string, sessionId: string): Record<string, string> {
  return { [label.instance]: instance, [label.session]: sessionId, [label.pooled]: 'true' };
}

/** Reads a spec back from labels; undefined when they are not a whole, valid set. */
export function specFromLabels(labels: Record<string, string> | undefined): SandboxSpec | undefined {
  const sessionId = labels?.[label.session];
  const createdAt = new Date(labels?.[label.created] ?? '');
  const expiresAt = new Date(labels?.[label.expires] ?? '');
  if (!sessionId || !/^[0-9a-f]{64}$/.test(sessionId)) return undefined;
  if (Number.isNaN(createdAt.getTime()) || Number.isNaN(expiresAt.getTime())) return undefined;
  return { sessionId, clientAddress: labels?.[label.client] ?? '', createdAt, expiresAt };
}
