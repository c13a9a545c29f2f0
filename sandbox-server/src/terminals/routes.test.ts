import { Hono } from 'hono';
import { describe, expect, it, vi } from 'vitest';
import { ApiError, type ErrorBody } from '../errors/index.ts';
import { MAX_OPEN_TERMINALS, Session } from '../sessions/session.ts';
import { terminalRoutes } from './routes.ts';

const SITE = 'http://berth.test';
const COOKIE = 'berth_session=live';

function serve() {
  const session = new Session('s1', '192.0.2.1', new Date(), new Date(Date.now() + 3_600_000));
  const sessions = {
    fromCookie: (cookie: string | undefined) => (cookie === COOKIE ? session : undefined),
    fromShareToken: () => undefined,
  };
  const access = { closeTerminal: vi.fn(async () => {}) };
  // As app.ts answers errors: the error's status and JSON body.
  const app = new Hono()
    .onError((error, c) => {
      if (error instanceof ApiError) return c.json(error.toBody(), error.status);
      throw error;
    })
    .route('/api/session', terminalRoutes(sessions, access, { allowedOrigins: [] }));
  const request = (method: string, name: string, headers: Record<string, string> = {}) =>
    app.request(`${SITE}/api/session/terminals/${name}`, {
      method,
      headers: { host: 'berth.test', origin: SITE, cookie: COOKIE, ...headers },
    });
  return { session, access, request };
}

const codeOf = async (response: Response) => ((await response.json()) as ErrorBody).error.code;

describe('the terminal routes', () => {
  it('end a terminal on DELETE, even with every terminal of the session open', async () => {
    const { session, access, request } = serve();
    session.openTerminals = MAX_OPEN_TERMINALS;
    const answer = await request('DELETE', 'logs');
    expect(answer.status).toBe(204);
    expect(access.closeTerminal).toHaveBeenCalledWith('s1', 'node1', 'logs');
  });

  it('refuse a DELETE from another origin, without a session, or for a bad name', async () => {
    const { access, request } = serve();
    const foreign = await request('DELETE', 'logs', { origin: 'http://evil.example' });
    expect([foreign.status, await codeOf(foreign)]).toEqual([403, 'forbidden_origin']);
    const anonymous = await request('DELETE', 'logs', { cookie: '' });
    expect([anonymous.status, await codeOf(anonymous)]).toEqual([401, 'unauthorized']);
    const badName = await request('DELETE', 'Bad_Name');
    expect([badName.status, await codeOf(badName)]).toEqual([400, 'invalid_terminal_name']);
    expect(access.closeTerminal).not.toHaveBeenCalled();
  });

  it('answer a request that did not ask to upgrade with 426, after the same checks', async () => {
    const { request } = serve();
    const plain = await request('GET', 'main');
    expect([plain.status, await codeOf(plain)]).toEqual([426, 'upgrade_required']);
    const badSize = await request('GET', 'main?cols=0&rows=24');
    expect([badSize.status, await codeOf(badSize)]).toEqual([400, 'invalid_terminal_size']);
    const foreign = await request('POST', 'main', { origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
  });
});
