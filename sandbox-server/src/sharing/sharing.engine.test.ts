import { describe, expect, it } from 'vitest';
import type { JoinedView, NewShareView, SharedSessionView } from '../contract/sharing.ts';
import { sharedReadySession } from '../testing/shared-session.ts';
import { TerminalClient } from '../testing/terminal-client.ts';

const shared = sharedReadySession();

/** A link of `kind` made by the owner, joined by a guest: the guest's cookie for its API. */
async function guestOf(kind: 'watch' | 'drive') {
  const { url } = shared.server;
  const made = await fetch(`${url}/api/session/shares`, {
    method: 'POST',
    headers: { origin: url, cookie: shared.session.cookie },
    body: JSON.stringify({ kind }),
  });
  const link = (await made.json()) as NewShareView;
  const joined = await fetch(`${url}/api/shared`, {
    method: 'POST',
    headers: { origin: url },
    body: JSON.stringify({ token: link.token }),
  });
  const address = ((await joined.json()) as JoinedView).address;
  const cookieAt = (path: string) =>
    /^[^;]+/.exec(joined.headers.getSetCookie().find((c) => c.includes(`Path=${path}`)) ?? '')?.[0] ?? '';
  const cookie = cookieAt('/api/shared/');
  const previewCookie = cookieAt('/preview/');
  const open = (name = 'main') => TerminalClient.open(url, name, { cookie, share: address });
  const revoke = () =>
    fetch(`${url}/api/session/shares/${address}`, {
      method: 'DELETE',
      headers: { origin: url, cookie: shared.session.cookie },
    });
  const preview = (port: number, init: RequestInit = {}) =>
    fetch(`${shared.server.previewUrl}/preview/${address}/${port}/`, {
      ...init,
      headers: { cookie: previewCookie },
      redirect: 'manual',
    });
  return { address, cookie, open, preview, revoke };
}

// What only a real sandbox shows: one shell, its output reaching every socket, and who may type.
describe('share links on the engine', () => {
  it('let a watcher see what the owner types, at the owner size, and nothing a watcher types', async () => {
    const { url } = shared.server;
    const owner = await TerminalClient.open(url, 'main', {
      cookie: shared.session.cookie,
      query: '?cols=97&rows=31',
    });
    await owner.ready();
    const watch = await guestOf('watch');
    const watcher = await watch.open();
    await watcher.waitForMessage('size');
    expect(watcher.messages.find((m) => m.type === 'size')).toEqual({ type: 'size', cols: 97, rows: 31 });
    const from = watcher.output.length;
    await owner.run('echo owner-$((6*7))');
    await watcher.waitForText('owner-42', 10_000, from);
    // The watcher's keys are refused, with a note, and never reach the shell.
    watcher.type('touch /tmp/watcher-typed\r');
    await watcher.waitForMessage('error');
    expect(watcher.messages.find((m) => m.type === 'error')).toMatchObject({ code: 'read_only' });
    expect((await owner.run('test -e /tmp/watcher-typed; echo $?')).output).toMatch(/^1\b/m);
    // A resize from a guest changes nothing; a watcher cannot start a terminal of its own.
    watcher.control({ type: 'resize', cols: 20, rows: 5 });
    expect((await owner.run('stty size')).output).toMatch(/31 97/);
    const stranger = await watch.open('nothing-here');
    await stranger.waitForMessage('error');
    expect(stranger.messages.find((m) => m.type === 'error')).toMatchObject({ code: 'no_such_terminal' });
    await stranger.closed;
    // Revoked, the watcher's socket closes at once, and the cookie opens nothing any more.
    await watch.revoke();
    const closed = await watcher.closed;
    expect(closed.code).toBe(1000);
    expect(watcher.messages.at(-1)).toMatchObject({ type: 'error', code: 'share_revoked' });
    await expect(watch.open()).rejects.toMatchObject({ status: 401 });
    await owner.close();
  });

  it('let a driver type into the same shell as the owner, who sees it', async () => {
    const { url } = shared.server;
    const owner = await TerminalClient.open(url, 'main', { cookie: shared.session.cookie });
    await owner.ready();
    const drive = await guestOf('drive');
    const driver = await drive.open();
    await driver.waitForMessage('size');
    const from = owner.output.length;
    driver.type('echo driver-$((7*6))\r');
    await owner.waitForText('driver-42', 10_000, from);
    // A driver may open a terminal of its own, which the owner can then attach to.
    const logs = await drive.open('guest-logs');
    await logs.ready();
    await logs.run('echo from-the-guest > /tmp/guest-was-here');
    expect((await owner.run('cat /tmp/guest-was-here')).output).toContain('from-the-guest');
    // Every guest is told of it, as of the owner's.
    const seen = await fetch(`${url}/api/shared/${drive.address}`, { headers: { cookie: drive.cookie } });
    expect(((await seen.json()) as SharedSessionView).terminals).toContainEqual({
      host: 'node1',
      name: 'guest-logs',
    });
    await drive.revoke();
    expect((await driver.closed).code).toBe(1000);
    expect((await logs.closed).code).toBe(1000);
    await owner.close();
  });

  it("let a watcher read the owner's app through the preview, a driver do more, a revoked link nothing", async () => {
    const { url } = shared.server;
    const owner = await TerminalClient.open(url, 'main', { cookie: shared.session.cookie });
    await owner.ready();
    for (const command of [
      'docker run -d --name shared-web -p 5080:80 nginx',
      'curl -s --retry 10 --retry-all-errors --retry-delay 1 -o /dev/null localhost:5080',
    ]) {
      const { code, output } = await owner.run(command);
      expect(code, `${command}\n${output}`).toBe(0);
    }
    const watch = await guestOf('watch');
    const drive = await guestOf('drive');
    const read = await watch.preview(5080);
    expect(read.status).toBe(200);
    expect(await read.text()).toMatch(/Welcome to nginx/i);
    const posted = await watch.preview(5080, { method: 'POST', body: 'x=1' });
    expect(posted.status).toBe(403);
    expect(((await posted.json()) as { error: { code: string } }).error.code).toBe('share_read_only');
    // A driver's POST reaches nginx itself, which answers it as nginx does a POST to a file.
    const driven = await drive.preview(5080, { method: 'POST', body: 'x=1' });
    expect(driven.headers.get('server') ?? '').toMatch(/nginx/);
    await driven.arrayBuffer();
    await watch.revoke();
    await drive.revoke();
    expect((await watch.preview(5080)).status).toBe(404);
    expect((await drive.preview(5080)).status).toBe(404);
    await owner.close();
  });
});
