import type { SandboxSpec } from './driver.ts';

/** Labels on every container, network and volume a Berth server creates. */
export const label = {
  instance: 'berth.instance',
  session: 'berth.session',
  client: 'berth.client',
  created: 'berth.created',
  expires: 'berth.expires',
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

/** Reads a spec back from labels; undefined when they are not a whole, valid set. */
export function specFromLabels(labels: Record<string, string> | undefined): SandboxSpec | undefined {
  const sessionId = labels?.[label.session];
  const createdAt = new Date(labels?.[label.created] ?? '');
  const expiresAt = new Date(labels?.[label.expires] ?? '');
  if (!sessionId || !/^[0-9a-f]{64}$/.test(sessionId)) return undefined;
  if (Number.isNaN(createdAt.getTime()) || Number.isNaN(expiresAt.getTime())) return undefined;
  return { sessionId, clientAddress: labels?.[label.client] ?? '', createdAt, expiresAt };
}
