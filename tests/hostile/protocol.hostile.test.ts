import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { COOKIE_NAME } from '../../sandbox-server/src/sessions/token.ts';
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

/** Memory this process (the server's) holds in JS objects and buffers. */
function heldBytes(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}
