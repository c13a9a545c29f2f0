/** The REST half of the contract, as the dock needs it. */

export type SessionView = { state: 'starting' | 'ready'; expiresAt: string; idleTimeoutSeconds: number };

/** Why no sandbox can be had now, in words for the reader, and when to try again. */
export class SandboxUnavailable extends Error {
  constructor(
    readonly kind: 'capacity' | 'limit' | 'unavailable',
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

async function errorOf(response: Response): Promise<{ code: string; message: string }> {
  try {
    const body = (await response.json()) as { error?: { code: string; message: string } };
    if (body.error) return body.error;
  } catch {
    // not our JSON: a proxy's page, say
  }
  return { code: 'unknown', message: `The server answered ${response.status}.` };
}

/** Creates a session, or returns the live one the cookie names. */
export async function ensureSession(): Promise<SessionView> {
  let response: Response;
  try {
    response = await fetch('/api/session', { method: 'POST', credentials: 'same-origin' });
  } catch {
    throw new SandboxUnavailable('unavailable', 'the sandbox server cannot be reached');
  }
  if (response.ok) return (await response.json()) as SessionView;
  const error = await errorOf(response);
  const retry = Number(response.headers.get('retry-after')) || undefined;
  if (error.code === 'at_capacity') throw new SandboxUnavailable('capacity', error.message, retry);
  if (response.status === 429) throw new SandboxUnavailable('limit', error.message, retry);
  throw new SandboxUnavailable('unavailable', error.message, retry);
}

/** The live session, or undefined when there is none (expired, deleted or never made). */
export async function currentSession(): Promise<SessionView | undefined> {
  const response = await fetch('/api/session', { credentials: 'same-origin' });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new SandboxUnavailable('unavailable', (await errorOf(response)).message);
  return (await response.json()) as SessionView;
}

export async function deleteSession(): Promise<void> {
  await fetch('/api/session', { method: 'DELETE', credentials: 'same-origin' });
}
