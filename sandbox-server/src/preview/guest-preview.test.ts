import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COOKIE_NAME } from '../config/session-cookie.ts';
import type { Session } from '../sessions/session.ts';
import { GUEST_COOKIE } from '../sharing/guests.ts';
import { ShareLink } from '../sharing/share-links.ts';
import { loopbackPreview } from '../testing/loopback-preview.ts';
import type { SessionLookup } from './proxy.ts';

/*
 * A share link's guests through the preview: what each kind may send, and that revoking a link
 * cuts what its guests hold open. The sandbox is a loopback app (the proxy's bytes are under
 * test); the engine test drives a real one.
 */

const PORT = 5000;
const OWNER = `${COOKIE_NAME}=${'O'.repeat(43)}`;
const session = { id: 'b'.repeat(64), state: 'ready' } as Session;
const links = new Map<string, ShareLink>();
const linkOf = (kind: 'watch' | 'drive', token: string) => {
  const link = new ShareLink({ id: token.padEnd(64, '0'), kind, createdAt: new Date() });
  links.set(token, link);
  return { link, cookie: `${GUEST_COOKIE}=${token}`, path: `/preview/${link.address}/${PORT}/` };
};
const watch = linkOf('watch', 'w'.repeat(43));
const drive = linkOf('drive', 'd'.repeat(43));

let app: Server;
let preview: Server;
let previewPort: number;

beforeAll(async () => {
  // Echoes what reached it, and takes any upgrade (then holds the socket open).
  app = createServer((req, res) => res.end(`${req.method} cookie=${req.headers.cookie ?? ''}`));
  app.on('upgrade', (_req, socket) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  const appPort = (app.address() as AddressInfo).port;
  const sessions: SessionLookup = {
    fromCookie: (cookie) => (cookie?.includes(OWNER) ? session : undefined),
    fromShareToken: (token) => {
      const link = links.get(token ?? '');
      return link && !link.revoked.aborted ? { session, link } : undefined;
    },
  };
  ({ preview, previewPort } = await loopbackPreview(sessions, PORT, appPort));
});

afterAll(() => {
  app?.closeAllConnections();
  app?.close();
  preview?.closeAllConnections();
  preview?.close();
});

type Answer = { status: number; body: string; socket?: import('node:stream').Duplex };

function ask(path: string, cookie: string, { method = 'GET', upgrade = false } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({
      port: previewPort,
      host: '127.0.0.1',
      path,
      method,
      agent: false,
      headers: { cookie, ...(upgrade ? { connection: 'Upgrade', upgrade: 'websocket' } : {}) },
      timeout: 5_000,
    });
    req.on('upgrade', (answer, socket) => resolve({ status: answer.statusCode ?? 0, body: '', socket }));
    req.on('response', (answer) => {
      let body = '';
      answer.setEncoding('utf8');
      answer.on('data', (chunk: string) => {
        body += chunk;
      });
      answer.on('end', () => resolve({ status: answer.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

describe("a share link's guests through the preview", () => {
  it('let a watcher read, and nothing more: no other method, no WebSocket', async () => {
    const read = await ask(watch.path, watch.cookie);
    expect(read.status).toBe(200);
    expect(read.body).toBe('GET cookie=');
    expect((await ask(watch.path, watch.cookie, { method: 'HEAD' })).status).toBe(200);
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const answer = await ask(watch.path, watch.cookie, { method });
      expect(answer.status, method).toBe(403);
      expect(answer.body, method).toContain('share_read_only');
    }
    const upgrade = await ask(watch.path, watch.cookie, { upgrade: true });
    expect(upgrade.status).toBe(403);
  });

  it("let a driver do what the owner can, never with Berth's cookies reaching the app", async () => {
    const posted = await ask(drive.path, `${drive.cookie}; theme=dark; ${OWNER}`, { method: 'POST' });
    expect(posted.status).toBe(200);
    expect(posted.body).toBe('POST cookie=theme=dark');
    const upgrade = await ask(drive.path, drive.cookie, { upgrade: true });
    expect(upgrade.status).toBe(101);
    upgrade.socket?.destroy();
  });

  it("give a link's cookie nothing at another link's address or the owner's", async () => {
    expect((await ask(drive.path, watch.cookie)).status).toBe(404);
    expect((await ask(`/preview/${'0'.repeat(20)}/${PORT}/`, drive.cookie)).status).toBe(404);
    expect((await ask(drive.path, '')).status).toBe(404);
  });

  it("cut a revoked link's open connections at once, and refuse it after", async () => {
    const link = linkOf('drive', 'r'.repeat(43));
    const upgrade = await ask(link.path, link.cookie, { upgrade: true });
    expect(upgrade.status).toBe(101);
    const closed = new Promise((resolve) => upgrade.socket?.once('close', resolve));
    link.link.revoke();
    await closed;
    expect((await ask(link.path, link.cookie)).status).toBe(404);
  });
});
