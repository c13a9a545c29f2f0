import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server.ts';
import { type CreatedSession, createSession, removeInstance, startTestServer } from '../testing/server.ts';
import { TerminalClient } from '../testing/terminal-client.ts';

let server: RunningServer & { instance: string };
let session: CreatedSession;
const clients: TerminalClient[] = [];

async function open(name: string, query = '') {
  const client = await TerminalClient.open(server.url, name, { cookie: session.cookie, query });
  clients.push(client);
  await client.ready();
  return client;
}

beforeAll(async () => {
  server = await startTestServer();
  session = await createSession(server.url);
  if (session.status !== 201) throw new Error(`no session: ${JSON.stringify(session.body)}`);
});

afterAll(async () => {
  for (const client of clients) client.ws.terminate();
  await server.shutdown();
  await removeInstance(server.instance);
});

describe('terminals', () => {
  it('reach a shell whose Docker is 26.x and runs a local image', async () => {
    const t = await open('main');
    const version = await t.run("docker version --format '{{.Server.Version}}'");
    expect(version.code).toBe(0);
    expect(version.output).toMatch(/^\s*26\.\d+/m);

    const build = await t.run(
      'mkdir -p /tmp/tiny/bin && cp "$(command -v busybox)" /tmp/tiny/bin/ && tar -C /tmp/tiny -c . | docker import - local/tiny',
    );
    expect(build.code).toBe(0);
    const run = await t.run('docker run --rm local/tiny /bin/busybox echo hello-from-an-inner-container');
    expect(run).toMatchObject({ code: 0 });
    expect(run.output).toContain('hello-from-an-inner-container');
    expect((await t.run('false')).code).toBe(1);
  });

  it('answer systemctl as the guide expects: docker is active (running)', async () => {
    const t = await open('systemd');
    const status = await t.run('systemctl status docker.service');
    expect(status.code).toBe(0);
    expect(status.output).toContain('active (running)');
  });

  it('start at the size asked for and follow resizes', async () => {
    const t = await open('sized', '?cols=100&rows=30');
    expect((await t.run('stty size')).output).toContain('30 100');
    t.control({ type: 'resize', cols: 132, rows: 43 });
    const deadline = Date.now() + 10_000;
    let size = '';
    while (Date.now() < deadline && !size.includes('43 132')) size = (await t.run('stty size')).output;
    expect(size).toContain('43 132');
  });

  it('reattach by name to the same shell: variables, jobs and the screen survive', async () => {
    const first = await open('keep');
    await first.run('export BERTH_MARK=kept-42; sleep 1000 &');
    await first.close();

    const again = await open('keep');
    expect(again.output).toContain('BERTH_MARK=kept-42'); // the screen is replayed
    const check = await again.run('echo "$BERTH_MARK"; jobs');
    expect(check.output).toContain('kept-42');
    expect(check.output).toMatch(/Running\s+sleep 1000/);

    // The first connection's attach process was let go of: one client is left, no orphans.
    const deadline = Date.now() + 10_000;
    let clients = '';
    while (Date.now() < deadline && clients.trim() !== '1') {
      clients = (await again.run("pgrep -c -f '^berth-term attach keep '")).output;
    }
    expect(clients.trim()).toBe('1');
  });

  it('show one shell to every socket attached to its name', async () => {
    const left = await open('shared');
    const right = await open('shared');
    const from = right.output.length;
    expect((await left.run('echo typed-on-the-left')).output).toContain('typed-on-the-left');
    await right.waitForText('typed-on-the-left', 10_000, from);
  });

  it('run in two terminals at once', async () => {
    const busy = await open('busy');
    const other = await open('other');
    const slow = busy.begin('sleep 4; echo slow-done');
    const quick = await other.run('echo quick-done');
    expect(quick.output).toContain('quick-done');
    expect(busy.outputOf(slow) ?? '').not.toContain('slow-done');
    expect((await busy.end(slow)).output).toContain('slow-done');
  });

  it('report the exit code when the shell exits', async () => {
    const t = await open('leaving');
    t.type('exit 3\r');
    expect(await t.waitForMessage('exit')).toEqual({ type: 'exit', code: 3 });
    expect((await t.closed).code).toBe(1000);
  });

  it('end, when closed by DELETE, the shell and what runs in it; the name then starts afresh', async () => {
    const t = await open('closing');
    expect((await t.run('export MARK=kept; sleep 601 & echo started')).code).toBe(0);
    const close = (name: string, origin = server.url) =>
      fetch(`${server.url}/api/session/terminals/${name}`, {
        method: 'DELETE',
        headers: { cookie: session.cookie, origin },
      });
    expect((await close('closing')).status).toBe(204);
    expect(await t.closed).toMatchObject({ code: expect.any(Number) });
    const fresh = await open('closing');
    const check = await fresh.run('echo "mark=$MARK"; pgrep -f "sleep 601" || echo no-sleep');
    expect(check.output).toMatch(/mark=\r?$/m);
    expect(check.output).toContain('no-sleep');
    expect((await close('never-opened')).status).toBe(204);
    expect((await close('Bad_Name')).status).toBe(400);
    expect((await close('closing', 'http://evil.example')).status).toBe(403);
  });

  it('withhold output while paused and deliver it on resume', async () => {
    const t = await open('paused');
    const witness = await open('witness');
    t.control({ type: 'pause' });
    const from = t.output.length;
    t.type('touch /tmp/paused-ran; echo WHILE-PAUSED\r');
    const deadline = Date.now() + 20_000;
    while ((await witness.run('test -e /tmp/paused-ran')).code !== 0) {
      if (Date.now() > deadline) throw new Error('the command typed while paused never ran');
    }
    expect(t.output.slice(from)).not.toContain('WHILE-PAUSED');
    t.control({ type: 'resume' });
    await t.waitForText('WHILE-PAUSED', 10_000, from);
  });

  it('answer a malformed text frame with an error frame and stay open', async () => {
    const t = await open('strict');
    t.ws.send('{not json');
    t.ws.send(JSON.stringify({ type: 'resize', cols: -1, rows: 5 }));
    t.ws.send(JSON.stringify({ type: 'launch' }));
    await t.waitFor(() => t.messages.filter((m) => m.type === 'error').length === 3, 'three error frames');
    expect(t.messages.filter((m) => m.type === 'error').map((m) => 'code' in m && m.code)).toEqual([
      'invalid_message',
      'invalid_message',
      'invalid_message',
    ]);
    expect((await t.run('echo still-here')).output).toContain('still-here');
  });

  it('close with 1008 on an oversized frame and on a flood', async () => {
    const big = await open('big');
    big.ws.send(Buffer.alloc(100 * 1024, 0x61), { binary: true });
    expect((await big.closed).code).toBe(1008);

    const flood = await open('flood');
    for (let i = 0; i < 3000 && flood.ws.readyState === flood.ws.OPEN; i++)
      flood.ws.send('{"type":"resume"}');
    expect((await flood.closed).code).toBe(1008);
  });

  it('refuse a 33rd open terminal in one session with 429', async () => {
    const other = await createSession(server.url);
    const open32 = await Promise.all(
      Array.from({ length: 32 }, (_, i) =>
        TerminalClient.open(server.url, `t${i}`, { cookie: other.cookie }),
      ),
    );
    clients.push(...open32);
    const refused = await TerminalClient.open(server.url, 't32', { cookie: other.cookie }).catch(
      (error: { status?: number; body?: string }) => error,
    );
    expect(refused).toMatchObject({ status: 429 });
    expect(JSON.parse((refused as { body: string }).body)).toMatchObject({
      error: { code: 'too_many_terminals' },
    });
    await open32[0]?.close();
    const another = await TerminalClient.open(server.url, 't32', { cookie: other.cookie });
    clients.push(another);
    await another.ready();
  });

  it('refuse upgrades without a session, from a foreign origin, or with bad names and sizes', async () => {
    const refused = (name: string, options: Parameters<typeof TerminalClient.open>[2]) =>
      TerminalClient.open(server.url, name, options).then(
        () => 0,
        (error: { status?: number }) => error.status,
      );
    expect(await refused('main', {})).toBe(401);
    expect(await refused('main', { cookie: `berth_session=${'A'.repeat(43)}` })).toBe(401);
    expect(await refused('main', { cookie: 'berth_session=../../etc' })).toBe(401);
    expect(await refused('main', { cookie: session.cookie, origin: 'http://evil.example' })).toBe(403);
    expect(await refused('main', { cookie: session.cookie, origin: null })).toBe(403);
    expect(await refused('Not_Valid', { cookie: session.cookie })).toBe(400);
    expect(await refused('a'.repeat(17), { cookie: session.cookie })).toBe(400);
    expect(await refused('main', { cookie: session.cookie, query: '?cols=0&rows=24' })).toBe(400);
    expect(await refused('main', { cookie: session.cookie, query: '?cols=80&rows=abc' })).toBe(400);

    const plain = await fetch(`${server.url}/api/session/terminals/main`, {
      headers: { cookie: session.cookie, origin: server.url },
    });
    expect(plain.status).toBe(426);
    expect(await plain.json()).toMatchObject({ error: { code: 'upgrade_required' } });
  });
});
