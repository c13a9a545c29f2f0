import { randomBytes } from 'node:crypto';
import { type IncomingHttpHeaders, request } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { COOKIE_NAME } from '../../sandbox-server/src/config/session-cookie.ts';
import { createSession } from '../../sandbox-server/src/testing/server.ts';
import { TerminalClient } from '../../sandbox-server/src/testing/terminal-client.ts';
import { useHostile } from './hostile.ts';

const hostile = useHostile();
const EVIL = 'https://evil.example';

/** The HTTP status a refused terminal upgrade answered with. */
async function upgradeStatus(options: Parameters<typeof TerminalClient.open>[2]): Promise<number> {
  try {
    const terminal = await TerminalClient.open(hostile.server.url, 'main', options);
    terminal.ws.terminate();
    return 101;
  } catch (error) {
    return (error as { status: number }).status;
  }
}

async function api(method: string, cookie: string | undefined, origin: string | undefined) {
  const headers: Record<string, string> = {};
  if (cookie) headers.cookie = cookie;
  if (origin) headers.origin = origin;
  return fetch(`${hostile.server.url}/api/session`, { method, headers });
}

describe('a visitor forging their way in', () => {
  it('without a cookie: no session, no terminal, nothing to end', async () => {
    expect((await api('GET', undefined, undefined)).status).toBe(404);
    expect((await api('DELETE', undefined, hostile.server.url)).status).toBe(404);
    expect(await upgradeStatus({})).toBe(401);
    expect((await fetch(`${hostile.server.url}/api/session/containers`)).status).toBe(404);
  });

  it('with a made-up or altered cookie: the same as none, and the real owner is untouched', async () => {
    const madeUp = `${COOKIE_NAME}=${randomBytes(32).toString('base64url')}`;
    const token = hostile.bystander.session.token;
    const altered = `${COOKIE_NAME}=${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    for (const cookie of [madeUp, altered, `${COOKIE_NAME}=`, `${COOKIE_NAME}=../../etc/passwd`]) {
      expect((await api('GET', cookie, undefined)).status).toBe(404);
      expect((await api('DELETE', cookie, hostile.server.url)).status).toBe(404);
      expect(await upgradeStatus({ cookie })).toBe(401);
    }
  });

  it('from a foreign Origin with the owner’s cookie: no session made or ended, no terminal', async () => {
    const { cookie } = hostile.bystander.session;
    expect((await api('POST', undefined, EVIL)).status).toBe(403);
    expect((await api('DELETE', cookie, EVIL)).status).toBe(403);
    expect(await upgradeStatus({ cookie, origin: EVIL })).toBe(403);
    expect((await api('GET', cookie, undefined)).status).toBe(200);
  });

  it('creating 500 sessions from one address: a few are made, the rest get 429 with Retry-After', async () => {
    const from = { 'x-forwarded-for': '203.0.113.50' };
    const answers = [];
    for (let batch = 0; batch < 10; batch++) {
      answers.push(
        ...(await Promise.all(Array.from({ length: 50 }, () => createSession(hostile.server.url, from)))),
      );
    }
    const made = answers.filter((answer) => answer.status === 201);
    const refused = answers.filter((answer) => answer.status === 429);
    expect(made.length).toBe(3); // BERTH_SESSIONS_PER_CLIENT
    expect(refused.length).toBe(497);
    expect(refused[0]?.body).toMatchObject({ error: { code: 'too_many_sessions' } });
    expect(refused.every((answer) => Number(answer.retryAfter) > 0)).toBe(true);
    await Promise.all(made.map((answer) => api('DELETE', answer.cookie, hostile.server.url)));
  });
});

describe('a visitor abusing the terminal protocol', () => {
  it('sends malformed messages and absurd sizes: each gets an error, and the shell works on', async () => {
    const attacker = await hostile.attacker();
    const { terminal } = attacker;
    const malformed = [
      'not json',
      '[]',
      'null',
      '{"type":"exec","command":"reboot"}',
      '{"type":"resize","cols":1000000000,"rows":24}',
      '{"type":"resize","cols":-1,"rows":-1}',
      '{"type":"resize","cols":"80","rows":"24"}',
      '{"type":"resize","cols":80.5,"rows":24}',
      `{"type":"resize","cols":80,"rows":24,"pad":"${'x'.repeat(60_000)}"}`,
    ];
    for (const text of malformed) terminal.ws.send(text);
    await terminal.waitFor(
      () => terminal.messages.filter((m) => m.type === 'error' && m.code === 'invalid_message').length >= 8,
      'an error for each malformed message',
    );
    expect((await terminal.run('stty size')).output).toMatch(/^24 80\r?$/m);

    for (const query of [
      '?cols=100000&rows=24',
      '?cols=80&rows=0',
      '?cols=NaN&rows=24',
      '?cols=1e3&rows=1e3',
    ]) {
      expect(await upgradeStatus({ cookie: attacker.session.cookie, query })).toBe(400);
    }
  });

  it('sends a frame over the limit: closed with 1008, or 1009 past what ws reads at all', async () => {
    const attacker = await hostile.attacker();
    attacker.terminal.ws.send(Buffer.alloc(100 * 1024, 0x61), { binary: true });
    expect((await attacker.terminal.closed).code).toBe(1008);
    const second = await TerminalClient.open(hostile.server.url, '2', { cookie: attacker.session.cookie });
    second.ws.send(Buffer.alloc(2 * 1024 * 1024, 0x61), { binary: true });
    expect((await second.closed).code).toBe(1009);
  });

  it('floods tiny frames: closed with 1008 once past the message rate', async () => {
    const attacker = await hostile.attacker();
    for (let i = 0; i < 5_000; i++) attacker.terminal.ws.send(Buffer.from(' '), { binary: true });
    expect(await attacker.terminal.closed).toMatchObject({ code: 1008, reason: 'flood' });
  });

  it('floods output while never reading: the server holds a bounded amount, not the flood', async () => {
    const attacker = await hostile.attacker();
    attacker.terminal.begin('cat /dev/zero | base64');
    // The client stops reading at the TCP level, as a stalled browser would.
    (attacker.terminal.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const before = heldBytes();
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    expect(heldBytes() - before).toBeLessThan(64 * 1024 * 1024);
  });
});

/** A raw request, so that Host and the rest say exactly what a test wants (fetch sets its own Host). */
function raw(
  url: string,
  method: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer in 10 s')));
    req.on('error', reject);
    req.end();
  });
}

describe('requests that are not what they seem', () => {
  it('a DNS-rebinding page: its own host name with a matching Origin is refused (421), for sessions and terminals', async () => {
    const { port } = new URL(hostile.server.url);
    const host = `rebind.attacker.example:${port}`;
    const origin = `http://${host}`;
    const made = await raw(`${hostile.server.url}/api/session`, 'POST', {
      host,
      origin,
      'x-forwarded-for': '203.0.113.80',
    });
    expect(made.status).toBe(421);
    expect(JSON.parse(made.body)).toMatchObject({ error: { code: 'unknown_host' } });
    const { cookie } = hostile.bystander.session;
    expect(await upgradeStatus({ cookie, origin, host })).toBe(421);
    expect((await raw(`${hostile.server.previewUrl}/`, 'GET', { host, cookie })).status).toBe(421);
    // The same server by its address and by localhost still serves.
    expect((await raw(`${hostile.server.url}/healthz`, 'GET', { host: `localhost:${port}` })).status).toBe(
      200,
    );
  });

  it('a POST or DELETE with no Origin (not a browser, or a stripped one) changes no session', async () => {
    const from = { 'x-forwarded-for': '203.0.113.81' };
    expect((await raw(`${hostile.server.url}/api/session`, 'POST', from)).status).toBe(403);
    const { cookie } = hostile.bystander.session;
    expect((await raw(`${hostile.server.url}/api/session`, 'DELETE', { cookie })).status).toBe(403);
    expect((await api('GET', cookie, undefined)).status).toBe(200);
  });

  it('two session cookies, as a previewed page planting one for a longer path makes: refused everywhere', async () => {
    const attacker = await hostile.attacker();
    const both = `${COOKIE_NAME}=${attacker.session.token}; ${hostile.bystander.session.cookie}`;
    const asked = await raw(`${hostile.server.url}/api/session`, 'GET', { cookie: both });
    expect(asked.status).toBe(400);
    expect(JSON.parse(asked.body)).toMatchObject({ error: { code: 'ambiguous_session' } });
    expect((await api('DELETE', both, hostile.server.url)).status).toBe(400);
    expect(await upgradeStatus({ cookie: both })).toBe(400);
    expect((await raw(`${hostile.server.url}/api/session/containers`, 'GET', { cookie: both })).status).toBe(
      400,
    );
    expect((await api('GET', hostile.bystander.session.cookie, undefined)).status).toBe(200);
  });

  it('IPv6 clients of one /64 count as one client', async () => {
    const made = [];
    for (let i = 1; i <= 6; i++) {
      made.push(
        await createSession(hostile.server.url, { 'x-forwarded-for': `2001:db8:14:6::${i.toString(16)}` }),
      );
    }
    expect(made.map((answer) => answer.status)).toEqual([201, 201, 201, 429, 429, 429]); // BERTH_SESSIONS_PER_CLIENT
    const elsewhere = await createSession(hostile.server.url, { 'x-forwarded-for': '2001:db8:14:7::1' });
    expect(elsewhere.status).toBe(201);
    await Promise.all(
      [...made, elsewhere]
        .filter((a) => a.status === 201)
        .map((a) => api('DELETE', a.cookie, hostile.server.url)),
    );
  });

  it('security headers on the site and on the preview', async () => {
    const page = await raw(`${hostile.server.url}/`, 'GET', {});
    expect(page.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('same-origin');
    expect(page.headers['cross-origin-opener-policy']).toBe('same-origin');
    const api = await raw(`${hostile.server.url}/api/session`, 'GET', {});
    expect(api.headers['x-frame-options']).toBe('DENY');
    const preview = await raw(`${hostile.server.previewUrl}/preview/0/80/`, 'GET', {});
    expect(preview.status).toBe(404);
    expect(preview.headers['cross-origin-resource-policy']).toBe('same-origin');
  });

  it('a slowloris, its head a byte at a time: cut off within the header timeout', async () => {
    const { hostname, port } = new URL(hostile.server.url);
    const socket = connect(Number(port), hostname);
    const started = Date.now();
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString();
    });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    socket.write(`GET /healthz HTTP/1.1\r\nHost: ${hostname}\r\n`);
    const drip = setInterval(() => socket.write('X-A: b\r\n'), 500);
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 20_000))]);
    clearInterval(drip);
    socket.destroy();
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(received).toMatch(/^HTTP\/1\.1 408/);
  });
});

/** Memory this process (the server's) holds in JS objects and buffers. */
function heldBytes(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}
