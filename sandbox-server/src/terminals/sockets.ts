import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { Config } from '../config/index.ts';
import type { Metrics } from '../metrics/index.ts';
import type { Sessions } from '../sessions/sessions.ts';
import { type TerminalAccess, TerminalConnection } from './connection.ts';
import type { TerminalRequest } from './request.ts';
import { terminalUpgrade, type UpgradeHandler } from './upgrade.ts';

/** The open terminal connections of this server: made from upgrades, closed all at once on shutdown. */
export class TerminalSockets {
  private readonly open = new Set<TerminalConnection>();
  /** Node's 'upgrade' event handler (see upgrade.ts). */
  readonly handleUpgrade: UpgradeHandler;

  constructor(
    sessions: Sessions,
    private readonly access: TerminalAccess,
    private readonly config: Config,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    this.handleUpgrade = terminalUpgrade(
      sessions,
      config,
      (ws, request) => this.connect(ws, request),
      metrics,
    );
  }

  /** Closes every terminal socket, e.g. with 1001 when the server shuts down; shells live on in the sandboxes. */
  async closeAll(code: number, reason: string): Promise<void> {
    await Promise.allSettled([...this.open].map((connection) => connection.close(code, reason)));
  }

  private connect(ws: WebSocket, request: TerminalRequest): void {
    const { access, config, metrics, log } = this;
    const connection = new TerminalConnection(ws, request, { access, config, metrics, log });
    this.open.add(connection);
    void connection.closed.then(() => this.open.delete(connection));
    connection.start();
  }
}
