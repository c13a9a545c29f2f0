import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Config } from '../config/index.ts';
import { ApiError } from '../errors/index.ts';
import { refuseUpgrade } from '../errors/refuse-upgrade.ts';
import type { Metrics } from '../metrics/index.ts';
import type { Sessions } from '../sessions/sessions.ts';
import { checkTerminalRequest, type TerminalRequest } from './request.ts';

/**
 * node1's terminals, and those of any host: /api/session/hosts/node2/terminals/main; a guest's
 * the same under /api/shared/<address>.
 */
const TERMINAL_PATH = /^\/api\/(?:session|shared\/([0-9a-f]{20}))(?:\/hosts\/([^/]*))?\/terminals\/([^/]*)$/;

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * Node's 'upgrade' event handler for terminals: a request that passes the checks of request.ts
 * becomes a WebSocket handed to `accept`; any other is answered with its error's status and
 * body, and a path that is not a terminal's as not found.
 */
export function terminalUpgrade(
  sessions: Pick<Sessions, 'fromCookie' | 'fromShareToken'>,
  config: Pick<Config, 'allowedOrigins'>,
  accept: (ws: WebSocket, request: TerminalRequest) => void,
  /** Where the refusals a request's checks make are counted. */
  metrics: Pick<Metrics, 'refusals'>,
): UpgradeHandler {
  // ws closes frames above maxPayload itself (with 1009); smaller oversized frames get our 1008.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024, perMessageDeflate: false });
  return (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://upgrade.invalid');
    const match = TERMINAL_PATH.exec(url.pathname);
    if (!match) {
      refuseUpgrade(socket, new ApiError('not_found', 'No WebSocket is served at this path.'), metrics);
      return;
    }
    let request: TerminalRequest;
    try {
      request = checkTerminalRequest(
        {
          share: match[1],
          sandboxHost: match[2],
          name: match[3] ?? '',
          cols: url.searchParams.get('cols') ?? undefined,
          rows: url.searchParams.get('rows') ?? undefined,
          origin: req.headers.origin,
          host: req.headers.host,
          cookie: req.headers.cookie,
        },
        sessions,
        config,
      );
    } catch (error) {
      const answer =
        error instanceof ApiError ? error : new ApiError('internal', 'The request could not be checked.');
      refuseUpgrade(socket, answer, metrics);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, request));
  };
}
