/** The REST half of the contract, as the dock needs it. */
import type {
  HostsView,
  PreviewPort,
  SessionQueue,
  SessionView,
} from '../../sandbox-server/src/contract/index.ts';
import { sessionPath } from '../links/session-path.ts';
import { sitePath } from '../links/site-path.ts';
import { terminalPath } from './terminal-tabs.ts';

export type { SessionQueue, SessionView };

/** Why no sandbox can be had now, in words for the reader, and when to try again. */
export class SandboxUnavailable extends Error {
  constructor(
    readonly kind: 'preparing' | 'capacity' | 'limit' | 'unavailable',
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** The API's error body, or a plain one when the answer is not the API's. */
export async function errorOf(response: Response): Promise<{ code: string; message: string }> {
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
    response = await fetch(sitePath('/api/session'), { method: 'POST', credentials: 'same-origin' });
  } catch {
    throw new SandboxUnavailable('unavailable', 'the sandbox server cannot be reached');
  }
  if (response.ok) return (await response.json()) as SessionView;
  throw await unavailable(response);
}

/** Why a session call failed, as the dock shows it; a server that is preparing says its step. */
async function unavailable(response: Response): Promise<SandboxUnavailable> {
  const error = await errorOf(response);
  const retry = Number(response.headers.get('retry-after')) || undefined;
  if (error.code === 'preparing') return new SandboxUnavailable('preparing', error.message, retry);
  if (error.code === 'at_capacity') return new SandboxUnavailable('capacity', error.message, retry);
  if (response.status === 429) return new SandboxUnavailable('limit', error.message, retry);
  return new SandboxUnavailable('unavailable', error.message, retry);
}

/** What both a reader and a guest learn of the sandbox: its state, its end and its hosts. */
export type SandboxView = Pick<SessionView, 'state' | 'expiresAt' | 'hosts' | 'queue'>;

/**
 * The live session (a guest's: the shared one), or undefined when there is none (expired,
 * deleted or never made; for a guest, also a revoked link).
 */
export async function currentSession(): Promise<SandboxView | undefined> {
  const response = await fetch(sessionPath(), { credentials: 'same-origin' });
  if (response.status === 404) return undefined;
  if (!response.ok) throw await unavailable(response);
  return (await response.json()) as SessionView;
}

export async function deleteSession(): Promise<void> {
  await fetch(sitePath('/api/session'), { method: 'DELETE', credentials: 'same-origin' });
}

function addressOf(url: string, base: string): URL | undefined {
  try {
    return new URL(url, base);
  } catch {
    return undefined;
  }
}

/**
 * The ports of a `GET /api/session/ports` answer (each a port the reader published in their sandbox,
 * and the address on the preview origin that shows it) that can be linked, their `url` made absolute
 * against `base`. Previews live on their own origin (the server's port + 1), so the address is
 * taken as given, but only as http(s): a wrong answer can never become a `javascript:` link.
 */
export function portsFrom(body: unknown, base: string): PreviewPort[] {
  const ports = (body as { ports?: unknown } | null)?.ports;
  if (!Array.isArray(ports)) return [];
  const linkable: PreviewPort[] = [];
  for (const port of ports as Partial<PreviewPort>[]) {
    if (typeof port !== 'object' || port === null || !Number.isInteger(port.port)) continue;
    const url = typeof port.url === 'string' ? addressOf(port.url, base) : undefined;
    if (url?.protocol !== 'http:' && url?.protocol !== 'https:') continue;
    linkable.push({ ...(port as PreviewPort), url: url.href });
  }
  return linkable;
}

/** The reader's published ports; none when the call fails (no session yet, engine stopped, …). */
export async function publishedPorts(): Promise<PreviewPort[]> {
  try {
    const response = await fetch(sessionPath('/ports'), { credentials: 'same-origin' });
    return response.ok ? portsFrom(await response.json(), window.location.href) : [];
  } catch {
    return [];
  }
}

/**
 * Asks for hosts beside node1: one more, or enough to have `atLeast` in all (a page's `hosts:`).
 * Resolves with the hosts now being added; throws with the server's words when it refuses.
 */
export async function addHosts(atLeast?: number): Promise<string[]> {
  const response = await fetch(sitePath('/api/session/hosts'), {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(atLeast === undefined ? {} : { atLeast }),
  });
  if (!response.ok) throw new Error((await errorOf(response)).message);
  return ((await response.json()) as HostsView).adding;
}

/** Removes one of the reader's added hosts, with every shell on it. */
export async function removeHost(host: string): Promise<void> {
  await fetch(sitePath(`/api/session/hosts/${encodeURIComponent(host)}`), {
    method: 'DELETE',
    credentials: 'same-origin',
  }).catch(() => {});
}

/** Ends a terminal's shell and what runs in it (closing its tab); idempotent on the server. */
export async function deleteTerminal(tab: string): Promise<void> {
  try {
    await fetch(sitePath(terminalPath(tab)), {
      method: 'DELETE',
      credentials: 'same-origin',
    });
  } catch {
    // the tab is gone either way; an unreachable server ends the shell with the sandbox
  }
}
