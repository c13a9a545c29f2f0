import { request, type Server } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COOKIE_NAME } from '../config/session-cookie.ts';
import type { Session } from '../sessions/session.ts';
import { loopbackPreview } from '../testing/loopback-preview.ts';
import { previewIdFor } from './preview-path.ts';
import type { SessionLookup } from './proxy.ts';

/*
 * The preview against an app that answers anything at all: generated answers, well-formed and not,
 * from a TCP server on loopback standing in for the port inside a sandbox. What is under test is
 * the proxy's handling of the bytes, so the sandbox is a fake; the engine test drives a real one.
 */

const SESSION_ID = 'a'.repeat(64);
const TOKEN = 'T'.repeat(43);
const PORT = 5000;
const path = `/preview/${previewIdFor(SESSION_ID)}/${PORT}/`;

/** A small deterministic PRNG (mulberry32), so a failing case is the same case on every run. */
function random(seed: number) {
  let state = seed;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  return { next, pick, int: (below: number) => Math.floor(next() * below) };
}

/** What the proxy owes for an answer: relay its status, answer 502 invalid, or either of the two. */
type Expected = { relay: number } | 'invalid' | 'either';
type Case = { name: string; bytes: Buffer; expected: Expected; upgrade?: boolean };

const valid = (status: number, extra = '', body = 'hello') =>
  `HTTP/1.1 ${status} X\r\nContent-Length: ${body.length}\r\n${extra}\r\n${body}`;

/** Hand-written answers of each kind the issue names, then generated mixtures of their parts. */
function cases(): Case[] {
  const fixed: Case[] = [
    { name: 'status 000', bytes: Buffer.from(valid(0)), expected: 'invalid' },
    { name: 'status 099', bytes: Buffer.from(valid(99)), expected: 'invalid' },
    { name: 'status 600', bytes: Buffer.from(valid(600)), expected: 'invalid' },
    { name: 'status 999', bytes: Buffer.from(valid(999)), expected: 'invalid' },
    { name: 'status 1000', bytes: Buffer.from(valid(1000)), expected: 'invalid' },
    { name: 'status letters', bytes: Buffer.from('HTTP/1.1 abc X\r\n\r\n'), expected: 'invalid' },
    { name: 'no status line', bytes: Buffer.from('\r\n\r\n'), expected: 'invalid' },
    { name: 'not HTTP', bytes: Buffer.from('SSH-2.0-OpenSSH_9.2\r\n'), expected: 'invalid' },
    {
      name: '101 to a plain request',
      bytes: Buffer.from('HTTP/1.1 101 X\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n'),
      expected: 'invalid',
    },
    {
      name: 'header without colon',
      bytes: Buffer.from('HTTP/1.1 200 OK\r\nbroken header\r\n\r\n'),
      expected: 'invalid',
    },
    {
      name: 'NUL in a header',
      bytes: Buffer.from('HTTP/1.1 200 OK\r\nX-A: a\u0000b\r\nContent-Length: 0\r\n\r\n'),
      expected: 'invalid',
    },
    {
      name: 'space before colon',
      bytes: Buffer.from('HTTP/1.1 200 OK\r\nX-A : b\r\nContent-Length: 0\r\n\r\n'),
      expected: 'invalid',
    },
    {
      name: 'oversized header',
      bytes: Buffer.from(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
      expected: 'invalid',
    },
    {
      name: '3000 headers',
      bytes: Buffer.from(`HTTP/1.1 200 OK\r\n${'X-A: b\r\n'.repeat(3000)}\r\n`),
      expected: 'invalid',
    },
    {
      name: 'two lengths',
      bytes: Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab'),
      expected: 'invalid',
    },
    {
      name: 'negative length',
      bytes: Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n'),
      expected: 'invalid',
    },
    {
      name: 'chunk size garbage',
      bytes: Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n'),
      expected: 'either',
    },
    {
      name: 'chunk cut short',
      bytes: Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nff\r\nabc'),
      expected: 'either',
    },
    {
      name: 'body cut short',
      bytes: Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc'),
      expected: 'either',
    },
    { name: 'head cut short', bytes: Buffer.from('HTTP/1.1 200 OK\r\nContent-Le'), expected: 'invalid' },
    { name: 'nothing at all', bytes: Buffer.alloc(0), expected: 'either' },
    { name: 'a plain 200', bytes: Buffer.from(valid(200)), expected: { relay: 200 } },
    { name: 'a 404', bytes: Buffer.from(valid(404)), expected: { relay: 404 } },
    { name: 'a 599', bytes: Buffer.from(valid(599)), expected: { relay: 599 } },
    {
      name: '100 then 200',
      bytes: Buffer.from(`HTTP/1.1 100 Continue\r\n\r\n${valid(200)}`),
      expected: { relay: 200 },
    },
    {
      name: 'obs-text in a header',
      bytes: Buffer.from(`HTTP/1.1 200 OK\r\nX-A: caf\u00e9\r\nContent-Length: 0\r\n\r\n`, 'latin1'),
      expected: 'either',
    },
    {
      name: 'garbage 101 upgrade',
      bytes: Buffer.from('HTTP/1.1 101 X\r\nUpgrade websocket\r\n\r\n'),
      expected: 'invalid',
      upgrade: true,
    },
    {
      name: 'upgrade answered 000',
      bytes: Buffer.from('HTTP/1.1 000 X\r\n\r\n'),
      expected: 'invalid',
      upgrade: true,
    },
    {
      name: 'upgrade answered noise',
      bytes: Buffer.from('\u0000\u0001\u0002garbage'),
      expected: 'invalid',
      upgrade: true,
    },
    { name: 'upgrade declined', bytes: Buffer.from(valid(403)), expected: { relay: 403 }, upgrade: true },
    {
      name: 'upgrade taken',
      bytes: Buffer.from(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
      ),
      expected: { relay: 101 },
      upgrade: true,
    },
  ];
  const rng = random(14);
  const statuses = ['200', '204', '301', '404', '500', '000', '999', '-1', '20', '2000', 'ok', ''];
  const versions = ['HTTP/1.1', 'HTTP/1.0', 'HTTP/2', 'HTTP/9.9', 'ICY', 'http/1.1', ''];
  const headers = [
    'Content-Type: text/html',
    'Set-Cookie: berth_session=evil; Path=/',
    'Location: /x',
    'X-Empty:',
    'Transfer-Encoding: chunked',
    'Transfer-Encoding: gzip, chunked',
    'Content-Length: 5',
    'Content-Length: 99999999999999999999',
    'Connection: close',
    ' folded continuation',
    'X-Ctl: a\u0001b',
    'X-Del: \u007f',
    'Bad Name: x',
    ':no-name',
    `X-Long: ${'b'.repeat(9000)}`,
  ];
  const bodies = ['hello', '5\r\nhello\r\n0\r\n\r\n', 'x\r\n', '', '\u0000'.repeat(64)];
  const generated: Case[] = [];
  for (let i = 0; i < 300; i++) {
    const status = rng.pick(statuses);
    const lines = Array.from({ length: rng.int(5) }, () => rng.pick(headers));
    let text = `${rng.pick(versions)} ${status} ${rng.pick(['OK', '', 'Wei\u00dfe', 'a\tb'])}\r\n${lines.join('\r\n')}${lines.length > 0 ? '\r\n' : ''}\r\n${rng.pick(bodies)}`;
    // Some answers are cut at a random byte, as a connection dropped mid-answer leaves them.
    if (rng.next() < 0.3) text = text.slice(0, rng.int(text.length + 1));
    const code = Number(status);
    const outOfRange = /^\d{3}$/.test(status) && (code < 100 || code > 599);
    generated.push({
      name: `generated #${i}: ${JSON.stringify(text.slice(0, 60))}`,
      bytes: Buffer.from(text, 'latin1'),
      expected: outOfRange ? 'invalid' : 'either',
      upgrade: rng.next() < 0.2,
    });
  }
  return [...fixed, ...generated];
}

let app: TcpServer;
let preview: Server;
let previewPort: number;
/** What the app says next; each connection to it takes one answer and closes. */
let nextAnswer: Buffer = Buffer.alloc(0);

beforeAll(async () => {
  app = createTcpServer((socket) => {
    socket.on('error', () => {});
    const answer = nextAnswer;
    // Answer once the request's head is in, as an app would, then close.
    socket.once('data', () => socket.end(answer));
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  const appPort = (app.address() as AddressInfo).port;
  const session = { id: SESSION_ID, state: 'ready' } as Session;
  const sessions: SessionLookup = {
    fromCookie: (cookie) => (cookie === `${COOKIE_NAME}=${TOKEN}` ? session : undefined),
    fromShareToken: () => undefined,
  };
  ({ preview, previewPort } = await loopbackPreview(sessions, PORT, appPort));
});

afterAll(() => {
  app?.close();
  preview?.close();
});

type Outcome = { status: number; code?: string } | 'cut';

/** One request through the preview, as a browser sends it; 'cut' when the connection ends without an answer. */
function ask(upgrade: boolean): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request({
      port: previewPort,
      host: '127.0.0.1',
      path,
      agent: false,
      headers: {
        cookie: `${COOKIE_NAME}=${TOKEN}`,
        ...(upgrade ? { connection: 'Upgrade', upgrade: 'websocket' } : {}),
      },
      timeout: 5_000,
    });
    const done = (outcome: Outcome) => {
      resolve(outcome);
      req.destroy();
    };
    req.on('upgrade', (answer, socket) => {
      socket.destroy();
      done({ status: answer.statusCode ?? 0 });
    });
    req.on('response', (answer) => {
      let body = '';
      answer.setEncoding('utf8');
      answer.on('data', (chunk: string) => {
        body += chunk;
      });
      const settle = () => {
        let code: string | undefined;
        try {
          code = (JSON.parse(body) as { error?: { code?: string } }).error?.code;
        } catch {}
        done({ status: answer.statusCode ?? 0, code });
      };
      answer.on('end', settle);
      answer.on('error', settle);
      answer.on('aborted', settle);
    });
    req.on('timeout', () => done('cut'));
    req.on('error', () => done('cut'));
    req.end();
  });
}

describe('the port preview against a hostile app', () => {
  it('relays what is HTTP, answers 502 for what is not, and keeps serving through all of it', async () => {
    const all = cases();
    const failures: string[] = [];
    for (const c of all) {
      nextAnswer = c.bytes;
      const outcome = await ask(c.upgrade ?? false);
      const invalid =
        outcome !== 'cut' && outcome.status === 502 && outcome.code === 'preview_invalid_answer';
      const unreachable =
        outcome !== 'cut' && outcome.status === 502 && outcome.code === 'preview_unreachable';
      if (c.expected === 'invalid' && !invalid) failures.push(`${c.name}: ${JSON.stringify(outcome)}`);
      if (typeof c.expected === 'object' && (outcome === 'cut' || outcome.status !== c.expected.relay))
        failures.push(`${c.name}: wanted ${c.expected.relay}, got ${JSON.stringify(outcome)}`);
      // Whatever else happened, a status is one the app sent or Berth's own 502.
      if (outcome !== 'cut' && !invalid && !unreachable && typeof c.expected !== 'object') {
        const sent = /^\S*\s+(\d{3})/.exec(c.bytes.toString('latin1'))?.[1];
        if (Number(sent) !== outcome.status) failures.push(`${c.name}: invented status ${outcome.status}`);
      }
    }
    expect(failures).toEqual([]);
    // Still serving: a sane answer goes through after all of that.
    nextAnswer = Buffer.from(valid(200));
    expect(await ask(false)).toMatchObject({ status: 200 });
  });
});
