import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server.ts';
import {
  type CreatedSession,
  createSession,
  eventually,
  removeInstance,
  sessionReady,
  startTestServer,
} from '../testing/server.ts';
import { TerminalClient } from '../testing/terminal-client.ts';
import { previewIdFor, previewUrl } from './preview-path.ts';

let server: RunningServer & { instance: string };
let reader: CreatedSession;
let other: CreatedSession;
let terminal: TerminalClient;

beforeAll(async () => {
  server = await startTestServer();
  [reader, other] = await Promise.all([createSession(server.url), createSession(server.url)]);
  await Promise.all([sessionReady(server.url, reader.cookie), sessionReady(server.url, other.cookie)]);
  terminal = await TerminalClient.open(server.url, 'main', { cookie: reader.cookie });
  await terminal.ready();
  for (const command of [
    'docker run -d --name web -p 127.0.0.1:5000:80 nginx',
    'docker exec web mkdir /usr/share/nginx/html/docs',
    // An app that takes every upgrade: it answers 101, sends back the request's head as it came,
    // then echoes whatever follows.
    `docker run -d --name echo -p 7000:7000 busybox nc -ll -p 7000 -e sh -c 'h=; while IFS= read -r l; do h="$h$l\\n"; [ "$l" = "$(printf "\\r")" ] && break; done; printf "HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n\\r\\n$h"; exec cat'`,
    // An answer in two parts, two seconds apart.
    'docker run -d --name dead -p 7002:7002 busybox sleep 600',
    `docker run -d --name slow -p 7001:7001 busybox nc -ll -p 7001 -e sh -c 'printf "HTTP/1.1 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\nfirst\\n"; sleep 2; echo second'`,
    'curl -s --retry 10 --retry-all-errors --retry-delay 1 -o /dev/null localhost:5000',
  ]) {
    const { code, output } = await terminal.run(command);
    expect(code, `${command}\n${output}`).toBe(0);
  }
});

afterAll(async () => {
  await terminal?.close();
  await server?.shutdown();
  if (server) await removeInstance(server.instance);
});

function fetchPreview(path: string, cookie?: string, origin = server.previewUrl) {
  return fetch(`${origin}${path}`, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
}

describe('the port preview', () => {
  it("serves the reader's published port, including one bound to the sandbox's 127.0.0.1", async () => {
    const response = await fetchPreview(previewUrl(previewIdFor(reader.id), 5000), reader.cookie);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/Welcome to nginx/i);
  });

  it('is 404 to a browser without the cookie, and to another session', async () => {
    const url = previewUrl(previewIdFor(reader.id), 5000);
    const anonymous = await fetchPreview(url);
    expect(anonymous.status).toBe(404);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('not_found');
    expect((await fetchPreview(url, other.cookie)).status).toBe(404);
    // Nor does the other session reach port 5000 through its own address: its sandbox publishes nothing.
    const own = await fetchPreview(previewUrl(previewIdFor(other.id), 5000), other.cookie);
    expect(own.status).toBe(404);
    expect(((await own.json()) as { error: { code: string } }).error.code).toBe('port_not_published');
  });

  it('reaches only published ports', async () => {
    for (const port of [22, 2375, 5001, 65535]) {
      const response = await fetchPreview(previewUrl(previewIdFor(reader.id), port), reader.cookie);
      expect(response.status, String(port)).toBe(404);
    }
    expect((await fetchPreview(`/preview/${'0'.repeat(20)}/5000/`, reader.cookie)).status).toBe(404);
    expect((await fetchPreview('/preview/not-an-id/5000/', reader.cookie)).status).toBe(404);
  });

  it("is served on its own origin, so the reader's app cannot use the site's", async () => {
    const url = previewUrl(previewIdFor(reader.id), 5000);
    expect(new URL(server.previewUrl).port).not.toBe(new URL(server.url).port);
    expect((await fetchPreview(url, reader.cookie, server.url)).status).toBe(404);
    expect((await fetchPreview('/api/session', reader.cookie)).status).toBe(404);
    // A script on the preview origin would send the cookie but its own Origin: no terminal, no session change.
    await expect(
      TerminalClient.open(server.url, 'main', { cookie: reader.cookie, origin: server.previewUrl }),
    ).rejects.toMatchObject({ status: 403 });
    const deleted = await fetch(`${server.url}/api/session`, {
      method: 'DELETE',
      headers: { cookie: reader.cookie, origin: server.previewUrl },
    });
    expect(deleted.status).toBe(403);
  });

  it('keeps redirects inside the preview', async () => {
    const base = previewUrl(previewIdFor(reader.id), 5000);
    const noSlash = await fetchPreview(base.slice(0, -1), reader.cookie);
    expect(noSlash.status).toBe(308);
    expect(noSlash.headers.get('location')).toBe(base);
    const directory = await fetchPreview(`${base}docs`, reader.cookie);
    expect(directory.status).toBe(301);
    expect(directory.headers.get('location')).toBe(`${base}docs/`);
  });

  it('streams an answer as it comes', async () => {
    const started = Date.now();
    const response = await fetchPreview(previewUrl(previewIdFor(reader.id), 7001), reader.cookie);
    const reader_ = response.body?.getReader();
    const first = await reader_?.read();
    const firstAt = Date.now() - started;
    expect(Buffer.from(first?.value ?? []).toString()).toBe('first\n');
    let rest = '';
    for (;;) {
      const chunk = await reader_?.read();
      if (!chunk || chunk.done) break;
      rest += Buffer.from(chunk.value).toString();
    }
    expect(rest).toBe('second\n');
    expect(Date.now() - started - firstAt).toBeGreaterThan(1500);
  });

  it("tunnels an upgrade both ways, without Berth's cookie", async () => {
    const tunnel = upgrade(7000, 'chat', `theme=dark; ${reader.cookie}`);
    // The app's 101, then the head it was sent.
    await until(() => tunnel.received().split('\r\n\r\n').length >= 3);
    const [answer = '', echoed = ''] = tunnel.received().split('\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/i);
    expect(answer.toLowerCase()).toContain('upgrade: websocket');
    expect(echoed).toMatch(/^GET \/chat HTTP\/1\.1\r\n/);
    expect(echoed).toContain('host: localhost:7000\r\n');
    expect(echoed).toContain('cookie: theme=dark\r\n');
    expect(`${echoed}\r\n`).toContain('upgrade: websocket\r\n'); // the split took its line end
    expect(echoed).not.toContain(reader.token);
    tunnel.socket.write('ping-over-the-tunnel');
    await until(() => tunnel.received().includes('ping-over-the-tunnel'));
    tunnel.socket.destroy();
  });

  it('says 502 when nothing answers behind a published port, for a request and for an upgrade', async () => {
    const response = await fetchPreview(previewUrl(previewIdFor(reader.id), 7002), reader.cookie);
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('preview_unreachable');
    const tunnel = upgrade(7002, '', reader.cookie);
    await until(() => tunnel.closed());
    expect(tunnel.received()).toMatch(/^HTTP\/1\.1 502 /);
  });

  it('holds at most 32 connections per session, and frees them as they close', async () => {
    const tunnels = Array.from({ length: 32 }, () => upgrade(7000, 'held', reader.cookie));
    await until(() => tunnels.every((t) => t.received().includes('\r\n\r\n')), 30_000);
    const refused = await fetchPreview(previewUrl(previewIdFor(reader.id), 5000), reader.cookie);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    for (const tunnel of tunnels) tunnel.socket.destroy();
    await eventually(
      async () =>
        (await fetchPreview(previewUrl(previewIdFor(reader.id), 5000), reader.cookie)).status === 200,
      'the connections to be freed',
    );
  });
});

/** A raw upgrade request through the preview, and what came back on its socket. */
function upgrade(port: number, path: string, cookie: string) {
  const { hostname, host, port: listening } = new URL(server.previewUrl);
  const socket = connect(Number(listening), hostname);
  let received = '';
  let closed = false;
  socket.on('data', (chunk) => {
    received += chunk.toString();
  });
  socket.on('close', () => {
    closed = true;
  });
  socket.write(
    `GET ${previewUrl(previewIdFor(reader.id), port)}${path} HTTP/1.1\r\nHost: ${host}\r\n` +
      `Upgrade: websocket\r\nConnection: Upgrade\r\nCookie: ${cookie}\r\n\r\n`,
  );
  return { socket, received: () => received, closed: () => closed };
}

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
