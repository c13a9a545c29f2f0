import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { COOKIE_NAME } from '../../sandbox-server/src/config/session-cookie.ts';
import type { JoinedView, NewShareView, ShareKind } from '../../sandbox-server/src/contract/sharing.ts';
import { TerminalClient } from '../../sandbox-server/src/testing/terminal-client.ts';
import { useHostile, type Visitor } from './hostile.ts';

/*
 * Guests of a share link trying what their link does not give them, on a real sandbox: a
 * watcher's ways to type, a guest's ways to the owner's powers, forged and revoked tokens, other
 * origins, and a crowd holding one link. The owner's shell and the bystander's must not notice.
 */

const hostile = useHostile();
const EVIL = 'https://evil.example';

type Guest = { address: string; token: string; cookie: string; previewCookie: string };

function site(
  path: string,
  init: { method?: string; cookie?: string; origin?: string | null; body?: object } = {},
) {
  const { url } = hostile.server;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.cookie) headers.cookie = init.cookie;
  const origin = init.origin === undefined ? url : init.origin;
  if (origin !== null) headers.origin = origin;
  return fetch(`${url}${path}`, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body ? { body: JSON.stringify(init.body) } : {}),
  });
}

async function codeOf(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

/** A link of `kind` the owner makes, and a guest who joined it. */
async function guestOf(owner: Visitor, kind: ShareKind): Promise<Guest> {
  const made = await site('/api/session/shares', {
    method: 'POST',
    cookie: owner.session.cookie,
    body: { kind },
  });
  expect(made.status).toBe(201);
  const { token } = (await made.json()) as NewShareView;
  const joined = await site('/api/shared', { method: 'POST', body: { token } });
  expect(joined.status).toBe(200);
  const { address } = (await joined.json()) as JoinedView;
  const cookieAt = (path: string) =>
    /^[^;]+/.exec(joined.headers.getSetCookie().find((c) => c.includes(`Path=${path}`)) ?? '')?.[0] ?? '';
  return { address, token, cookie: cookieAt('/api/shared/'), previewCookie: cookieAt('/preview/') };
}

function attach(guest: Guest, name = 'main', origin?: string | null) {
  return TerminalClient.open(hostile.server.url, name, {
    cookie: guest.cookie,
    share: guest.address,
    origin,
  });
}

/** The HTTP status a refused upgrade answered with, or 101 for one let through (then closed). */
async function upgradeStatus(open: () => Promise<{ ws: WebSocket }>): Promise<number> {
  try {
    (await open()).ws.terminate();
    return 101;
  } catch (error) {
    return (error as { status?: number }).status ?? 0;
  }
}

/** A guest's events socket: resolves once open, rejects with the refusal's status. */
function events(guest: Guest, origin: string | null = hostile.server.url): Promise<{ ws: WebSocket }> {
  const headers: Record<string, string> = { cookie: guest.cookie };
  if (origin !== null) headers.origin = origin;
  const ws = new WebSocket(
    `${hostile.server.url.replace(/^http/, 'ws')}/api/shared/${guest.address}/events`,
    {
      headers,
    },
  );
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      reject(Object.assign(new Error(`refused ${res.statusCode}`), { status: res.statusCode }));
    });
    ws.once('error', reject);
  });
}

/** The owner's session still answers and its shell still runs what the owner types. */
async function ownerUntouched(owner: Visitor): Promise<void> {
  expect((await site('/api/session', { cookie: owner.session.cookie })).status).toBe(200);
  const { output } = await owner.terminal.run('echo owner-still-$((20+22))', 5_000);
  expect(output).toContain('owner-still-42');
}

describe('a guest trying what their link does not give', () => {
  it('a watcher typing in a flood, resizing, starting and closing terminals: nothing reaches the shell', async () => {
    const owner = await hostile.attacker();
    const watch = await guestOf(owner, 'watch');
    const watcher = await attach(watch);
    await watcher.waitForMessage('size');
    // Two megabytes of keystrokes in frames just under the 64 KiB a frame may hold, ending in a
    // command that would leave a file.
    const chunk = 'touch /tmp/watcher-was-here; '.repeat(2000);
    for (let i = 0; i < 36; i++) watcher.type(chunk);
    watcher.type('touch /tmp/watcher-was-here\r');
    watcher.control({ type: 'resize', cols: 11, rows: 3 });
    await watcher.waitForMessage('error');
    const notes = () => watcher.messages.filter((m) => m.type === 'error' && m.code === 'read_only').length;
    // The refusal is said, not shouted: one note a second at most, and the socket stays open.
    expect(notes()).toBeLessThanOrEqual(2);
    expect(watcher.ws.readyState).toBe(WebSocket.OPEN);
    expect((await owner.terminal.run('test -e /tmp/watcher-was-here; echo gone-$?')).output).toContain(
      'gone-1',
    );
    expect((await owner.terminal.run('stty size')).output).not.toMatch(/^3 11\b/m);
    // A terminal of its own never starts; closing the owner's is refused.
    const stranger = await attach(watch, 'watchers-own');
    await stranger.waitForMessage('error');
    expect(stranger.messages.find((m) => m.type === 'error')).toMatchObject({ code: 'no_such_terminal' });
    expect((await stranger.closed).code).toBe(1000);
    const closing = await site(`/api/shared/${watch.address}/terminals/main`, {
      method: 'DELETE',
      cookie: watch.cookie,
    });
    expect(closing.status).toBe(403);
    expect(await codeOf(closing)).toBe('share_read_only');
    watcher.ws.terminate();
    await ownerUntouched(owner);
  });

  it("a guest reaching for the owner's powers, by its own cookie or its token in the session's name", async () => {
    const owner = await hostile.attacker();
    for (const kind of ['watch', 'drive'] as const) {
      const guest = await guestOf(owner, kind);
      for (const cookie of [guest.cookie, `${COOKIE_NAME}=${guest.token}`]) {
        const tries = [
          site('/api/session', { method: 'DELETE', cookie }),
          site('/api/session/shares', { method: 'POST', cookie, body: { kind: 'drive' } }),
          site('/api/session/shares', { method: 'DELETE', cookie }),
          site(`/api/session/shares/${guest.address}`, { method: 'DELETE', cookie }),
          site('/api/session/page', { method: 'PUT', cookie, body: { path: '/', results: {} } }),
          site('/api/session/hosts', { method: 'POST', cookie }),
          site('/api/session/pulls', { method: 'POST', cookie, body: { images: ['busybox'] } }),
        ];
        for (const answer of await Promise.all(tries)) {
          expect(answer.status, `${kind} ${answer.url}`).toBe(404);
        }
        // Nor is the owner's terminal reached through the owner's path.
        expect(await upgradeStatus(() => TerminalClient.open(hostile.server.url, 'main', { cookie }))).toBe(
          401,
        );
      }
    }
    // The links are the owner's still, and the session lives.
    const listed = await site('/api/session/shares', { cookie: owner.session.cookie });
    expect(((await listed.json()) as { shares: unknown[] }).shares).toHaveLength(2);
    await ownerUntouched(owner);
  });

  it('forged, borrowed and revoked tokens open nothing', async () => {
    const owner = await hostile.attacker();
    const other = await hostile.attacker();
    const guest = await guestOf(owner, 'drive');
    const elsewhere = await guestOf(other, 'watch');
    const sessionToken = owner.session.cookie.split('=')[1] ?? '';
    for (const token of [
      randomBytes(32).toString('base64url'),
      sessionToken,
      guest.address,
      '',
      'x'.repeat(5000),
    ]) {
      const joined = await site('/api/shared', { method: 'POST', body: { token } });
      expect([404, 400, 413], token.slice(0, 12)).toContain(joined.status);
      expect(joined.headers.getSetCookie()).toEqual([]);
    }
    // One link's cookie at another link's address, or the session's cookie at a link's address.
    const borrowed = { ...elsewhere, cookie: guest.cookie };
    expect(await upgradeStatus(() => attach(borrowed))).toBe(401);
    expect((await site(`/api/shared/${elsewhere.address}`, { cookie: guest.cookie })).status).toBe(404);
    expect((await site(`/api/shared/${guest.address}`, { cookie: owner.session.cookie })).status).toBe(404);
    // Revoked: the token, the cookie and the sockets all end, at once.
    const driver = await attach(guest);
    const feed = await events(guest);
    const feedClosed = new Promise((resolve) => feed.ws.once('close', resolve));
    const revoked = await site(`/api/session/shares/${guest.address}`, {
      method: 'DELETE',
      cookie: owner.session.cookie,
    });
    expect(revoked.status).toBe(204);
    const closedWithin = await Promise.race([
      Promise.all([driver.closed, feedClosed]).then(() => true),
      new Promise((resolve) => setTimeout(() => resolve(false), 2_000)),
    ]);
    expect(closedWithin).toBe(true);
    expect((await site('/api/shared', { method: 'POST', body: { token: guest.token } })).status).toBe(404);
    expect(await upgradeStatus(() => attach(guest))).toBe(401);
    expect(await upgradeStatus(() => events(guest))).toBe(401);
    expect((await site(`/api/shared/${guest.address}/containers`, { cookie: guest.cookie })).status).toBe(
      404,
    );
    await ownerUntouched(owner);
  });

  it('from another origin, or none: no join, no terminal, no events', async () => {
    const owner = await hostile.attacker();
    const guest = await guestOf(owner, 'drive');
    for (const origin of [EVIL, null]) {
      const joined = await site('/api/shared', { method: 'POST', origin, body: { token: guest.token } });
      expect(joined.status).toBe(403);
      expect(await codeOf(joined)).toBe('forbidden_origin');
      expect(await upgradeStatus(() => attach(guest, 'main', origin))).toBe(403);
      expect(await upgradeStatus(() => events(guest, origin))).toBe(403);
      const closing = await site(`/api/shared/${guest.address}/terminals/main`, {
        method: 'DELETE',
        cookie: guest.cookie,
        origin,
      });
      expect(closing.status).toBe(403);
    }
    await ownerUntouched(owner);
  });

  it("a terminal socket the owner faked, answering Docker's kind of failure text: each attach fails alone", async () => {
    const owner = await hostile.attacker();
    // The reader owns the terminals' socket directory: a listener of theirs, under a terminal's
    // name, answers every attach with text where berth-term's frames should be.
    const liar = [
      'use IO::Socket::UNIX;',
      '$s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Local => "/run/berth/terminals/liar.sock", Listen => 64) or die;',
      // Each connection held a while: a closed one would end the attach before it relayed a byte.
      '$SIG{CHLD} = "IGNORE"; alarm 60;',
      'while ($c = $s->accept) { if (fork) { close $c; next } syswrite $c, "OCI runtime exec failed: not berth-term\\r\\n" x 50; sleep 3; exit }',
    ].join(' ');
    const started = await owner.terminal.run(
      `(perl -e '${liar}' &) ; for i in $(seq 50); do [ -S /run/berth/terminals/liar.sock ] && break; sleep 0.1; done; ls /run/berth/terminals/liar.sock`,
      10_000,
    );
    expect(started.code).toBe(0);
    const watch = await guestOf(owner, 'watch');
    const drive = await guestOf(owner, 'drive');
    const attempts = [
      attach(watch, 'liar'),
      attach(drive, 'liar'),
      TerminalClient.open(hostile.server.url, 'liar', { cookie: owner.session.cookie }),
    ];
    for (const attempt of attempts) {
      const client = await attempt;
      expect(await client.closed).toEqual({ code: 1011, reason: 'terminal failed' });
      // Not a shell that exited: the dock would offer a new one where it should reconnect.
      expect(client.messages.filter((message) => message.type === 'exit')).toEqual([]);
      expect(client.output).not.toContain('OCI runtime');
    }
    await ownerUntouched(owner);
  });

  it('a crowd holding links: guests count apart, and the owner keeps their own terminals', async () => {
    const owner = await hostile.attacker();
    const [watch, drive] = [await guestOf(owner, 'watch'), await guestOf(owner, 'drive')];
    const held: { ws: WebSocket }[] = [];
    try {
      // A link's guests, at most 32 at once.
      for (let i = 0; i < 32; i++) held.push(await events(watch));
      expect(await upgradeStatus(() => events(watch))).toBe(429);
      // Guests' terminal sockets, at most 64 for the sandbox through all its links.
      for (let i = 0; i < 34; i++) held.push(await attach(watch));
      for (let i = 0; i < 30; i++) held.push(await attach(drive));
      expect(await upgradeStatus(() => attach(drive))).toBe(429);
      // Both refusals counted for the operator, by code.
      const metrics = await (await fetch(`${hostile.server.url}/metrics`)).text();
      expect(metrics).toMatch(/^berth_refusals_total\{code="too_many_guests"\} [1-9]/m);
      // The owner's own count is untouched: a second tab of theirs opens and types.
      const second = await TerminalClient.open(hostile.server.url, 'main', { cookie: owner.session.cookie });
      held.push(second);
      await second.waitForMessage('status');
      await ownerUntouched(owner);
    } finally {
      for (const socket of held) socket.ws.terminate();
    }
  });
});
