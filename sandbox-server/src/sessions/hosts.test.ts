import { describe, expect, it } from 'vitest';
import { FakeDriver } from '../testing/fake-driver.ts';
import { fakeServer, settle } from '../testing/fake-server.ts';

type HostsBody = { hosts: { name: string; state: string }[]; maxHosts: number; adding: string[] };

async function readySession(env: Record<string, string> = {}, driver = FakeDriver.readyAtOnce()) {
  const server = await fakeServer(env, driver);
  const session = await server.createSession();
  await settle(5);
  const hosts = (body?: string) =>
    server.request('POST', '/api/session/hosts', { cookie: session.cookie, body });
  return { server, session, hosts };
}

describe("a reader's hosts", () => {
  it('adds one host per POST, or enough for a page, each named in order and started in the background', async () => {
    const { server, session, hosts } = await readySession({}, FakeDriver.slow(20));
    await settle(40);
    const one = await hosts();
    expect(one.status).toBe(202);
    expect(((await one.json()) as HostsBody).adding).toEqual(['node2']);
    const page = await hosts(JSON.stringify({ atLeast: 4 }));
    const body = (await page.json()) as HostsBody;
    expect(body.adding).toEqual(['node3', 'node4']);
    expect(body.hosts.map((h) => `${h.name}:${h.state}`)).toEqual([
      'node1:ready',
      'node2:starting',
      'node3:starting',
      'node4:starting',
    ]);
    await settle(60);
    const view = (await (
      await server.request('GET', '/api/session', { cookie: session.cookie })
    ).json()) as HostsBody;
    expect(view.hosts.every((h) => h.state === 'ready')).toBe(true);
    // Asking for what the reader already has starts nothing.
    const again = await hosts(JSON.stringify({ atLeast: 3 }));
    expect(again.status).toBe(200);
    expect(((await again.json()) as HostsBody).adding).toEqual([]);
    expect(server.driver.log.filter((line) => line.startsWith('add'))).toEqual([
      `add node2 ${session.id.slice(0, 8)}`,
      `add node3 ${session.id.slice(0, 8)}`,
      `add node4 ${session.id.slice(0, 8)}`,
    ]);
  });

  it('tells every ready host the names of all of them, after each change', async () => {
    const driver = FakeDriver.readyAtOnce();
    const named: string[] = [];
    driver.execAnswer = (argv, host) => {
      if (argv[0] === '/usr/local/sbin/berth-hosts') named.push(`${host}: ${argv.slice(1).join(' ')}`);
      return '';
    };
    const { server, session, hosts } = await readySession({}, driver);
    await hosts();
    await settle(5);
    expect(named).toContain('node1: node1 node2');
    expect(named).toContain('node2: node1 node2');
    named.length = 0;
    await server.request('DELETE', '/api/session/hosts/node2', { cookie: session.cookie });
    expect(named).toEqual(['node1: node1']);
  });

  it("refuses a host past the reader's limit, and past the server's maximum, which counts hosts", async () => {
    const { hosts } = await readySession({ BERTH_HOSTS_PER_READER: '3' });
    expect((await hosts(JSON.stringify({ atLeast: 3 }))).status).toBe(202);
    const over = await hosts();
    expect(over.status).toBe(409);
    expect(await over.json()).toMatchObject({ error: { code: 'too_many_hosts' } });

    const full = await readySession({ BERTH_MAX_SANDBOXES: '3' });
    expect((await full.hosts(JSON.stringify({ atLeast: 3 }))).status).toBe(202);
    // Three hosts of one reader fill a server of three: no other reader gets a sandbox.
    const other = await full.server.createSession({ from: '198.51.100.7' });
    expect(other.status).toBe(503);
    expect(other.body).toMatchObject({ error: { code: 'at_capacity' } });
  });

  it('refuses bad bodies with a clear error and starts nothing', async () => {
    const { server, hosts } = await readySession();
    for (const body of ['{', '[]', '{"atLeast":0}', '{"atLeast":2.5}', '{"atLeast":"3"}', '{"count":2}']) {
      const answer = await hosts(body);
      expect(answer.status, body).toBe(400);
    }
    expect(server.driver.log.some((line) => line.startsWith('add'))).toBe(false);
  });

  it('removes a host by name, never node1, and answers a host it does not have as not found', async () => {
    const { server, session, hosts } = await readySession();
    await hosts();
    await settle(5);
    const remove = (host: string) =>
      server.request('DELETE', `/api/session/hosts/${host}`, { cookie: session.cookie });
    expect((await remove('node1')).status).toBe(409);
    expect((await remove('node7')).status).toBe(404);
    expect((await remove('nodeX')).status).toBe(404);
    const removed = await remove('node2');
    expect(removed.status).toBe(200);
    expect(((await removed.json()) as HostsBody).hosts.map((h) => h.name)).toEqual(['node1']);
    expect(server.driver.log).toContain(`remove node2 ${session.id.slice(0, 8)}`);
    // The next one added takes the lowest free name again.
    expect(((await (await hosts()).json()) as HostsBody).adding).toEqual(['node2']);
  });

  it('waits for the sandbox before adding hosts to it', async () => {
    const { hosts } = await readySession({}, FakeDriver.neverReady());
    const early = await hosts();
    expect(early.status).toBe(409);
    expect(await early.json()).toMatchObject({ error: { code: 'sandbox_starting' } });
  });

  it('takes back every running host of a sandbox when the server restarts', async () => {
    const driver = FakeDriver.readyAtOnce();
    const first = await readySession({}, driver);
    await first.hosts(JSON.stringify({ atLeast: 3 }));
    await settle(5);
    const restarted = await fakeServer({}, driver);
    await settle(5);
    const view = (await (
      await restarted.request('GET', '/api/session', { cookie: first.session.cookie })
    ).json()) as HostsBody;
    expect(view.hosts).toEqual([
      { name: 'node1', state: 'ready' },
      { name: 'node2', state: 'ready' },
      { name: 'node3', state: 'ready' },
    ]);
  });
});
