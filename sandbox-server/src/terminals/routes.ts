import { type Context, Hono } from 'hono';
import type { Config } from '../config/index.ts';
import { ApiError } from '../errors/index.ts';
import type { Sessions } from '../sessions/sessions.ts';
import type { TerminalAccess } from './connection.ts';
import { checkTerminalRequest } from './request.ts';

/**
 * The HTTP side of /api/session/terminals/:name and /api/session/hosts/:host/terminals/:name,
 * mounted under /api/session (and under /api/shared/:address for a drive link's guests): closing a terminal for good, and a plain request that should have
 * been an upgrade (upgrade.ts takes those).
 */
export function terminalRoutes(
  sessions: Pick<Sessions, 'fromCookie' | 'fromShareToken'>,
  access: Pick<TerminalAccess, 'closeTerminal'>,
  config: Pick<Config, 'allowedOrigins'>,
) {
  const terminalRequest = (c: Context, opening = true) =>
    checkTerminalRequest(
      {
        share: c.req.param('address'),
        sandboxHost: c.req.param('host'),
        name: c.req.param('name') ?? '',
        cols: c.req.query('cols'),
        rows: c.req.query('rows'),
        origin: c.req.header('origin'),
        host: c.req.header('host'),
        cookie: c.req.header('cookie'),
      },
      sessions,
      config,
      { opening },
    );

  const app = new Hono();
  for (const path of ['/terminals/:name', '/hosts/:host/terminals/:name']) {
    app
      // Closing a tab: the shell and what runs in it end, so the name starts afresh next time.
      .delete(path, async (c) => {
        const { session, sandboxHost, name, link } = terminalRequest(c, false);
        await (link ?? session).execs.run(() => access.closeTerminal(session.id, sandboxHost, name));
        session.terminalClosed(sandboxHost, name);
        return c.body(null, 204);
      })
      // Reached only by requests that did not ask to upgrade: the same checks, then "use a WebSocket".
      .all(path, (c) => {
        terminalRequest(c);
        throw new ApiError(
          'upgrade_required',
          'Terminals are WebSockets: send an Upgrade: websocket request.',
        );
      });
  }
  return app;
}
