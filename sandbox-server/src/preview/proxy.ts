import { type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { parse as parseCookies } from 'hono/utils/cookie';
import type { Logger } from 'pino';
import { ApiError } from '../errors/index.ts';
import { refuseUpgrade } from '../errors/refuse-upgrade.ts';
import type { SandboxDriver } from '../sandboxes/driver.ts';
import type { Sessions } from '../sessions/sessions.ts';
import { COOKIE_NAME } from '../sessions/token.ts';
import { listContainers } from '../views/containers.ts';
import { requestHeaders, responseHeaders } from './headers.ts';
import { previewablePorts } from './ports.ts';
import { parsePreviewPath, previewIdFor } from './preview-path.ts';

/** How long a session's list of published ports is reused: a page's assets need not each ask the sandbox. */
const PORTS_TTL_MS = 2_000;
/** Each connection is a process in the sandbox and an exec on the shared engine: a page needs far fewer. */
const MAX_CONNECTIONS_PER_SESSION = 32;

type Target = { sessionId: string; port: number; prefix: string; path: string };

/** The client side of one preview connection: a response, or an upgraded socket. */
type Client = { readonly destroyed: boolean; once(event: 'close', listener: () => void): unknown };

/**
 * The port preview: /preview/<id>/<port>/… reaches that port on the reader's sandbox, HTTP and
 * WebSocket alike. Only with the session's cookie, only the ports its containers publish, and
 * only through the sandbox's own loopback, from inside the sandbox: the proxy can reach nothing
 * the sandbox itself could not.
 */
export class PreviewProxy {
  private readonly ports = new Map<string, { at: number; ports: Promise<Set<number>> }>();
  private readonly connections = new Map<string, number>();
  private readonly open = new Set<Duplex>();

  constructor(
    private readonly sessions: Sessions,
    private readonly driver: SandboxDriver,
    private readonly log: Logger,
  ) {}

  /** Node's request handler for the preview listener. */
  handleRequest = (req: IncomingMessage, res: ServerResponse): void => {
    this.forward(req, res).catch((error: unknown) => this.fail(res, error));
  };

  /** Node's upgrade handler for the preview listener: a WebSocket (or any upgrade) to the app. */
  handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    this.tunnel(req, socket, head).catch((error: unknown) => {
      refuseUpgrade(socket, this.asApiError(error));
    });
  };

  /** Ends every preview connection, e.g. when the server shuts down; upgraded ones outlive server.close(). */
  closeAll(): void {
    for (const connection of this.open) connection.destroy();
  }

  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://preview.invalid');
    if (parsePreviewPath(url.pathname)?.path === '') {
      // Relative links in the app resolve against the directory, so the app's root needs its slash.
      res.writeHead(308, { Location: `${url.pathname}/${url.search}` }).end();
      return;
    }
    const target = await this.target(req);
    const connection = await this.connect(target, res);
    if (!connection) return;
    const upstream = request({
      method: req.method,
      path: target.path,
      headers: requestHeaders(req.headers, target),
      createConnection: () => connection,
    });
    res.once('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    upstream.on('response', (answer) => {
      res.writeHead(answer.statusCode ?? 502, responseHeaders(answer.headers, target));
      answer.pipe(res);
    });
    upstream.on('error', (error) => {
      this.log.debug({ err: error, session: target.sessionId, port: target.port }, 'preview request failed');
      this.fail(res, unreachable(target.port));
    });
    req.pipe(upstream);
  }

  private async tunnel(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const target = await this.target(req);
    const connection = await this.connect(target, socket);
    if (!connection) return;
    const headers = requestHeaders(req.headers, target);
    // An upgrade needs the two headers a plain request must not forward.
    headers.connection = 'Upgrade';
    headers.upgrade = req.headers.upgrade ?? '';
    const lines = Object.entries(headers).flatMap(([name, value]) =>
      value === undefined ? [] : (Array.isArray(value) ? value : [value]).map((v) => `${name}: ${v}`),
    );
    connection.write(`${req.method} ${target.path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`);
    if (head.length > 0) connection.write(head);
    // Nothing listening shows as a connection that ends before its first byte: say so, as for HTTP.
    let answered = false;
    connection.once('data', (first: Buffer) => {
      answered = true;
      socket.write(first);
      connection.pipe(socket);
    });
    connection.on('error', () => {}); // its close follows, and is handled there
    connection.once('close', () => {
      if (!answered) refuseUpgrade(socket, unreachable(target.port));
      else socket.end(() => socket.destroy()); // what is still buffered goes out first
    });
    socket.pipe(connection);
  }

  /** Who asks, for which port: 404 unless the cookie's session owns this address and publishes the port. */
  private async target(req: IncomingMessage): Promise<Target> {
    const url = new URL(req.url ?? '/', 'http://preview.invalid');
    const parsed = parsePreviewPath(url.pathname);
    const token = parseCookies(req.headers.cookie ?? '', COOKIE_NAME)[COOKIE_NAME];
    const session = this.sessions.find(token);
    if (!parsed || !session || previewIdFor(session.id) !== parsed.previewId) {
      throw new ApiError('not_found', 'There is no preview at this address.');
    }
    this.sessions.findReady(token);
    if (!(await this.publishedPorts(session.id)).has(parsed.port)) {
      throw new ApiError(
        'port_not_published',
        `No running container in your sandbox publishes port ${parsed.port}; try docker run -p ${parsed.port}:80 nginx.`,
      );
    }
    const prefix = `/preview/${parsed.previewId}/${parsed.port}`;
    return { sessionId: session.id, port: parsed.port, prefix, path: `${parsed.path}${url.search}` };
  }

  /**
   * A connection to the target port, counted against the session's share and ended with its client.
   * Undefined when the client left while it was being made.
   */
  private async connect(target: Target, client: Client): Promise<Duplex | undefined> {
    const count = this.connections.get(target.sessionId) ?? 0;
    if (count >= MAX_CONNECTIONS_PER_SESSION) {
      throw new ApiError(
        'preview_busy',
        `Your previews hold ${count} connections, the most allowed; close some pages and try again.`,
        1,
      );
    }
    this.connections.set(target.sessionId, count + 1);
    let connection: Duplex;
    try {
      connection = await this.driver.connect(target.sessionId, target.port);
    } catch (error) {
      this.release(target.sessionId);
      throw error;
    }
    this.open.add(connection);
    connection.once('close', () => {
      this.open.delete(connection);
      this.release(target.sessionId);
    });
    if (client.destroyed) {
      connection.destroy();
      return undefined;
    }
    client.once('close', () => connection.destroy());
    return connection;
  }

  private release(sessionId: string): void {
    const count = (this.connections.get(sessionId) ?? 1) - 1;
    if (count > 0) this.connections.set(sessionId, count);
    else this.connections.delete(sessionId);
  }

  private publishedPorts(sessionId: string): Promise<Set<number>> {
    const cached = this.ports.get(sessionId);
    if (cached && Date.now() - cached.at < PORTS_TTL_MS) return cached.ports;
    for (const [id, entry] of this.ports) {
      if (Date.now() - entry.at >= PORTS_TTL_MS) this.ports.delete(id);
    }
    const ports = listContainers(this.driver, sessionId).then(
      (containers) => new Set(previewablePorts(containers).map((p) => p.port)),
    );
    ports.catch(() => this.ports.delete(sessionId));
    this.ports.set(sessionId, { at: Date.now(), ports });
    return ports;
  }

  private asApiError(error: unknown): ApiError {
    if (error instanceof ApiError) return error;
    this.log.warn({ err: error }, 'preview failed');
    return new ApiError('preview_unreachable', 'Your sandbox did not answer the preview.');
  }

  private fail(res: ServerResponse, error: unknown): void {
    const apiError = this.asApiError(error);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (apiError.retryAfterSeconds !== undefined)
      res.setHeader('Retry-After', String(apiError.retryAfterSeconds));
    res.writeHead(apiError.status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(apiError.toBody()));
  }
}

function unreachable(port: number): ApiError {
  return new ApiError('preview_unreachable', `Nothing answered on port ${port} in your sandbox.`);
}
