import { describe, expect, it } from 'vitest';
import type { JoinedView, NewShareView, SharedSessionView, SharesView } from '../contract/sharing.ts';
import { FakeDriver } from '../testing/fake-driver.ts';
import { fakeServer, settle } from '../testing/fake-server.ts';

async function sharedSandbox(driver = FakeDriver.readyAtOnce()) {
  const server = await fakeServer({}, driver);
  const owner = await server.createSession();
  await settle(5);
  const share = async (kind: string) => {
    const response = await server.request('POST', '/api/session/shares', {
      cookie: owner.cookie,
      body: JSON.stringify({ kind }),
    });
    return { status: response.status, body: (await response.json()) as NewShareView };
  };
  /** POST /api/shared with a token: the guest's cookie for the link's API, as a browser would send it. */
  const join = async (token: string) => {
    const response = await server.request('POST', '/api/shared', { body: JSON.stringify({ token }) });
    const cookies = response.headers.getSetCookie();
    const api = cookies.find((c) => c.includes('Path=/api/shared/')) ?? '';
    return {
      status: response.status,
      body: (await response.json()) as JoinedView,
      cookies,
      cookie: /^[^;]+/.exec(api)?.[0] ?? '',
    };
  };
  return { server, owner, share, join };
}

describe('share links', () => {
  it('give a guest their own cookie, scoped to the link, and never the session token', async () => {
    const { owner, share, join } = await sharedSandbox();
    const made = await share('watch');
    expect(made.status).toBe(201);
    expect(made.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(owner.cookie).not.toContain(made.body.token);
    const guest = await join(made.body.token);
    expect(guest.status).toBe(200);
    expect(guest.body).toEqual({ address: made.body.address, kind: 'watch' });
    expect(guest.cookies).toHaveLength(2);
    for (const cookie of guest.cookies) {
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Strict/);
      expect(cookie).not.toContain(owner.cookie.split('=')[1] ?? 'none');
    }
    expect(guest.cookies.map((c) => /Path=([^;]+)/.exec(c)?.[1]).sort()).toEqual([
      `/api/shared/${made.body.address}`,
      `/preview/${made.body.address}`,
    ]);
  });

  it("let a guest read the shared sandbox and its views, but nothing of the owner's", async () => {
    const { server, owner, share, join } = await sharedSandbox();
    const made = await share('watch');
    const guest = await join(made.body.token);
    const base = `/api/shared/${made.body.address}`;
    const view = await server.request('GET', base, { cookie: guest.cookie });
    expect(view.status).toBe(200);
    const shared = (await view.json()) as SharedSessionView;
    expect(shared.kind).toBe('watch');
    expect(shared.terminals).toEqual([{ host: 'node1', name: 'main' }]);
    // The guest reaches the sandbox's views as its owner does (the fake engine answers both alike).
    const ownersView = await server.request('GET', '/api/session/images', { cookie: owner.cookie });
    const guestsView = await server.request('GET', `${base}/images`, { cookie: guest.cookie });
    expect(guestsView.status).toBe(ownersView.status);
    expect(await guestsView.text()).toBe(await ownersView.text());
    expect((await server.request('GET', `${base}/images`)).status).toBe(404);
    // The guest's cookie is no session cookie: the owner's API does not know it.
    expect((await server.request('GET', '/api/session', { cookie: guest.cookie })).status).toBe(404);
    expect((await server.request('DELETE', '/api/session', { cookie: guest.cookie })).status).toBe(404);
    const more = await server.request('POST', '/api/session/shares', {
      cookie: guest.cookie,
      body: '{"kind":"drive"}',
    });
    expect(more.status).toBe(404);
    // A watcher cannot end a shell; another link's address with this cookie is nobody's.
    const close = await server.request('DELETE', `${base}/terminals/main`, { cookie: guest.cookie });
    expect(close.status).toBe(403);
    expect(((await close.json()) as { error: { code: string } }).error.code).toBe('share_read_only');
    const elsewhere = await server.request('GET', `/api/shared/${'0'.repeat(20)}`, { cookie: guest.cookie });
    expect(elsewhere.status).toBe(404);
    expect((await server.request('GET', '/api/session', { cookie: owner.cookie })).status).toBe(200);
  });

  it('are listed for the owner, revoked one by one or all at once, and refused once revoked', async () => {
    const { server, owner, share, join } = await sharedSandbox();
    const watch = await share('watch');
    const drive = await share('drive');
    const list = async () =>
      (
        (await (
          await server.request('GET', '/api/session/shares', { cookie: owner.cookie })
        ).json()) as SharesView
      ).shares;
    expect((await list()).map((s) => s.kind)).toEqual(['watch', 'drive']);
    const guest = await join(drive.body.token);
    const base = `/api/shared/${drive.body.address}`;
    expect((await server.request('DELETE', `${base}/terminals/logs`, { cookie: guest.cookie })).status).toBe(
      204,
    );
    const revoked = await server.request('DELETE', `/api/session/shares/${drive.body.address}`, {
      cookie: owner.cookie,
    });
    expect(revoked.status).toBe(204);
    expect((await server.request('GET', base, { cookie: guest.cookie })).status).toBe(404);
    expect((await join(drive.body.token)).status).toBe(404);
    expect((await list()).map((s) => s.kind)).toEqual(['watch']);
    expect((await server.request('DELETE', '/api/session/shares', { cookie: owner.cookie })).status).toBe(
      204,
    );
    expect(await list()).toEqual([]);
    expect((await join(watch.body.token)).status).toBe(404);
  });

  it('survive a server restart with their session, and end with it', async () => {
    const driver = FakeDriver.readyAtOnce();
    const { owner, share } = await sharedSandbox(driver);
    const made = await share('drive');
    const restarted = await fakeServer({}, driver);
    const joined = await restarted.request('POST', '/api/shared', {
      body: JSON.stringify({ token: made.body.token }),
    });
    expect(joined.status).toBe(200);
    await restarted.request('DELETE', '/api/session', { cookie: owner.cookie });
    const after = await restarted.request('POST', '/api/shared', {
      body: JSON.stringify({ token: made.body.token }),
    });
    expect(after.status).toBe(404);
  });

  it('refuse bad bodies, foreign origins and more links than a sandbox may have', async () => {
    const { server, owner, share } = await sharedSandbox();
    for (const body of ['', '{}', '{"kind":"admin"}', '{"kind":"watch","x":1}', '[]']) {
      const response = await server.request('POST', '/api/session/shares', { cookie: owner.cookie, body });
      expect([400], body).toContain(response.status);
    }
    const foreign = await server.request('POST', '/api/session/shares', {
      cookie: owner.cookie,
      origin: 'http://evil.test',
      body: '{"kind":"watch"}',
    });
    expect(foreign.status).toBe(403);
    const join = await server.request('POST', '/api/shared', {
      origin: 'http://evil.test',
      body: '{"token":"x"}',
    });
    expect(join.status).toBe(403);
    for (let i = 0; i < 8; i++) expect((await share('watch')).status).toBe(201);
    expect((await share('watch')).status).toBe(409);
    const page = (body: unknown) =>
      server.request('PUT', '/api/session/page', { cookie: owner.cookie, body: JSON.stringify(body) });
    expect((await page({ path: '/volumes/', results: { 0: { ok: true, code: 0 } } })).status).toBe(204);
    const foreignPage = await server.request('PUT', '/api/session/page', {
      cookie: owner.cookie,
      origin: 'http://evil.test',
      body: JSON.stringify({ path: '/', results: {} }),
    });
    expect(foreignPage.status).toBe(403);
    for (const bad of [
      { path: '//evil.test/', results: {} },
      { path: 'javascript:alert(1)', results: {} },
      { path: '/x/', results: { a: { ok: true } } },
      { path: '/x/', results: { 1: { ok: 'yes' } } },
    ]) {
      expect((await page(bad)).status, JSON.stringify(bad)).toBe(400);
    }
  });
});
