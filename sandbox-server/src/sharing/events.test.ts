import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  type GuestEvent,
  guestName,
  MAX_GUESTS_PER_LINK,
  type NewShareView,
  type SharesView,
} from '../contract/sharing.ts';
import { fakeServer, SITE, settle } from '../testing/fake-server.ts';
import { GuestEvents } from './events.ts';

const listeners: Server[] = [];
afterEach(() => {
  for (const listener of listeners.splice(0)) {
    listener.closeAllConnections();
    listener.close();
  }
});

/** A shared sandbox of the fake server, its guest events served on a loopback listener. */
async function sharedSandbox() {
  const server = await fakeServer();
  const owner = await server.createSession();
  await settle(5);
  const events = new GuestEvents(server.sessions, server.config, pino({ level: 'silent' }), server.metrics);
  const listener = createServer();
  listener.on('upgrade', events.handleUpgrade);
  listeners.push(listener);
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const port = (listener.address() as AddressInfo).port;
  const share = async (kind: string) => {
    const response = await server.request('POST', '/api/session/shares', {
      cookie: owner.cookie,
      body: JSON.stringify({ kind }),
    });
    return (await response.json()) as NewShareView;
  };
  const join = async (token: string) => {
    const response = await server.request('POST', '/api/shared', { body: JSON.stringify({ token }) });
    const api = response.headers.getSetCookie().find((c) => c.includes('Path=/api/shared/')) ?? '';
    return /^[^;]+/.exec(api)?.[0] ?? '';
  };
  const guests = async () => {
    const response = await server.request('GET', '/api/session/shares', { cookie: owner.cookie });
    return ((await response.json()) as SharesView).shares.flatMap((s) => s.guests.map((g) => g.name));
  };
  /** Opens a guest's events socket; resolves with its events, or rejects with the refusal's status. */
  const connect = (address: string, cookie: string, { name = '', origin = SITE } = {}) => {
    const query = name ? `?name=${encodeURIComponent(name)}` : '';
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/shared/${address}/events${query}`, {
      headers: { cookie, origin, host: new URL(SITE).host },
    });
    const seen: GuestEvent[] = [];
    ws.on('message', (data) => seen.push(JSON.parse(String(data)) as GuestEvent));
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    return new Promise<{ ws: WebSocket; seen: GuestEvent[]; closed: Promise<number> }>((resolve, reject) => {
      ws.once('open', () => resolve({ ws, seen, closed }));
      ws.once('unexpected-response', (_req, res) => reject(new Error(String(res.statusCode))));
      ws.once('error', reject);
    });
  };
  return { server, owner, share, join, guests, connect };
}

const until = async (done: () => boolean) => {
  for (let i = 0; i < 200 && !done(); i++) await settle(10);
  expect(done()).toBe(true);
};

describe("a guest's events socket", () => {
  it("is the guest's presence, with the name it gave, and tells the owner's page at once", async () => {
    const { server, owner, share, join, guests, connect } = await sharedSandbox();
    const link = await share('watch');
    const cookie = await join(link.token);
    const guest = await connect(link.address, cookie, { name: '  Ada\u202e\u0007 Lovelace\n' });
    await until(() => guest.seen.length === 1);
    expect(guest.seen[0]).toMatchObject({ type: 'shared', kind: 'watch', address: link.address });
    expect(await guests()).toEqual(['Ada Lovelace']);
    const page = { path: '/volumes/', results: { 2: { ok: false, code: 1 } } };
    await server.request('PUT', '/api/session/page', { cookie: owner.cookie, body: JSON.stringify(page) });
    await until(() => guest.seen.length === 2);
    expect(guest.seen[1]).toMatchObject({ type: 'shared', page });
    guest.ws.close();
    await guest.closed;
    let left = await guests();
    for (let i = 0; i < 100 && left.length > 0; i++) left = await settle(10).then(guests);
    expect(left).toEqual([]);
  });

  it('closes with share_revoked the moment its link is revoked, and is refused after', async () => {
    const { server, owner, share, join, connect } = await sharedSandbox();
    const link = await share('drive');
    const cookie = await join(link.token);
    const guest = await connect(link.address, cookie);
    await until(() => guest.seen.length === 1);
    await server.request('DELETE', `/api/session/shares/${link.address}`, { cookie: owner.cookie });
    expect(await guest.closed).toBe(1000);
    expect(guest.seen.at(-1)).toMatchObject({ type: 'error', code: 'share_revoked' });
    await expect(connect(link.address, cookie)).rejects.toThrow('401');
  });

  it('ends with the session, telling why', async () => {
    const { server, owner, share, join, connect } = await sharedSandbox();
    const link = await share('watch');
    const guest = await connect(link.address, await join(link.token));
    await server.request('DELETE', '/api/session', { cookie: owner.cookie });
    expect(await guest.closed).toBe(1000);
    expect(guest.seen.at(-1)).toMatchObject({ type: 'error', code: 'session_deleted' });
  });

  it('is refused to other origins, to a cookie of another link, and past the guests a link may have', async () => {
    const { share, join, connect } = await sharedSandbox();
    const link = await share('watch');
    const other = await share('watch');
    const cookie = await join(link.token);
    await expect(connect(link.address, cookie, { origin: 'http://evil.test' })).rejects.toThrow('403');
    await expect(connect(other.address, cookie)).rejects.toThrow('401');
    await expect(connect(link.address, '')).rejects.toThrow('401');
    const crowd = await Promise.all(
      Array.from({ length: MAX_GUESTS_PER_LINK }, () => connect(link.address, cookie)),
    );
    await expect(connect(link.address, cookie)).rejects.toThrow('429');
    for (const guest of crowd) guest.ws.close();
  });
});

describe('guest names', () => {
  it('are printable, one line, at most 32 characters, "guest" when nothing is left', () => {
    expect(guestName(null)).toBe('guest');
    expect(guestName('\u0000\u001b[31m')).toBe('[31m');
    expect(guestName('\u200b\u2028\t ')).toBe('guest');
    expect([...guestName('ü'.repeat(100))]).toHaveLength(32);
  });
});
