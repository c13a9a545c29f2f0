import { type IncomingHttpHeaders, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { parse as parseCookies } from 'hono/utils/cookie';
import type { Logger } from 'pino';
import { ApiError } from '../errors/index.ts';
import { refuseUpgrade } from '../errors/refuse-upgrade.ts';
import type { SandboxDriver } from '../sandboxes/driver.ts';
import type { Sessions } from '../sessions/sessions.ts';
import { COOKIE_NAME } from '../sessions/token.ts';
import { listContainers } from '../views/containers.ts';
import { previewPorts } from '../views/ports.ts';
import { readySession } from '../views/routes.ts';
import { parsePreviewPath, previewIdFor } from './preview-path.ts';

/** How long a session's list of published ports is reused: a page's assets need not each ask the sandbox. */
const PORTS_TTL_MS = 2_000;

/** Headers about one hop only (RFC 9110 §7.6.1), never forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

type Target = { sessionId: string; port: number; prefix: string; path: string };

/**
 * The port preview: /preview/<id>/<port>/… reaches that port on the reader's sandbox, HTTP and
 * WebSocket alike. Only with the session's cookie, only the ports its containers publish, and
 * only through the sandbox's own loopback, from inside the sandbox: the proxy can reach nothing
 * the sandbox itself could not.
 */
export class PreviewProxy {
  private readonly ports = new Map<string, { at: number; ports: Promise<Set<number>> }>();

  constructor(
    private readonly sessions: Sessions,
    private readonly driver: SandboxDriver,
    private readonly log: Logger,
  ) {}

  /** Node's request handler for paths under /preview. */
  handleRequest = (req: IncomingMessage, res: ServerResponse): void => {
    this.forward(req, res).catch((error: unknown) => this.fail(res, error));
  };

  /** Node's upgrade handler for paths under /preview: a WebSocket (or any upgrade) to the app. */
  handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    this.tunnel(req, socket, head).catch((error: unknown) => {
      refuseUpgrade(socket, this.asApiError(error));
    });
  };

  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://preview.invalid');
    if (parsePreviewPath(url.pathname)?.path === '') {
      // Relative links in the app resolve against the directory, so the app's root needs its slash.
      res.writeHead(308, { Location: `${url.pathname}/${url.search}` }).end();
      return;
    }
    const target = await this.target(req);
    const connection = await this.driver.connect(target.sessionId, target.port);
    const upstream = request({
      method: req.method,
      path: target.path,
      headers: requestHeaders(req.headers, target),
      createConnection: () => connection,
    });
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
      connection.destroy();
    });
    upstream.on('response', (answer) => {
      res.writeHead(answer.statusCode ?? 502, responseHeaders(answer.headers, target));
      answer.pipe(res);
    });
    upstream.on('error', (error) => {
      if (res.headersSent) res.destroy();
      else
        this.fail(
          res,
          new ApiError('preview_unreachable', `Nothing answered on port ${target.port} in your sandbox.`),
        );
      this.log.debug({ err: error, port: target.port }, 'preview request failed');
    });
    req.pipe(upstream);
  }

  private async tunnel(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const target = await this.target(req);
    const connection = await this.driver.connect(target.sessionId, target.port);
    const headers = requestHeaders(req.headers, target);
    // An upgrade needs the two headers a plain request must not forward.
    headers.connection = 'Upgrade';
    headers.upgrade = req.headers.upgrade ?? '';
    const lines = Object.entries(headers).flatMap(([name, value]) =>
      (Array.isArray(value) ? value : [value]).map((v) => `${name}: ${v}`),
    );
    connection.write(`${req.method} ${target.path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`);
    if (head.length > 0) connection.write(head);
    connection.on('error', () => socket.destroy());
    socket.on('close', () => connection.destroy());
    connection.on('close', () => socket.destroy());
    socket.pipe(connection).pipe(socket);
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
    readySession(this.sessions, token);
    if (!(await this.publishedPorts(session.id)).has(parsed.port)) {
      throw new ApiError(
        'port_not_published',
        `No running container in your sandbox publishes port ${parsed.port}; try docker run -p ${parsed.port}:80 nginx.`,
      );
    }
    const prefix = `/preview/${parsed.previewId}/${parsed.port}`;
    return { sessionId: session.id, port: parsed.port, prefix, path: `${parsed.path}${url.search}` };
  }

  private publishedPorts(sessionId: string): Promise<Set<number>> {
    const cached = this.ports.get(sessionId);
    if (cached && Date.now() - cached.at < PORTS_TTL_MS) return cached.ports;
    for (const [id, entry] of this.ports) {
      if (Date.now() - entry.at >= PORTS_TTL_MS) this.ports.delete(id);
    }
    const ports = listContainers(this.driver, sessionId).then(
      (containers) => new Set(previewPorts(containers, sessionId, '').map((p) => p.port)),
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
    res.writeHead(apiError.status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(apiError.toBody()));
  }
}

/** The reader's request as the app should see it: addressed to localhost:<port>, without Berth's cookie. */
function requestHeaders(incoming: IncomingHttpHeaders, target: Target): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
  }
  const cookies = (incoming.cookie ?? '')
    .split(';')
    .map((c) => c.trim())
    .filter((c) => c !== '' && !c.startsWith(`${COOKIE_NAME}=`));
  if (cookies.length > 0) headers.cookie = cookies.join('; ');
  else delete headers.cookie;
  headers['x-forwarded-host'] = incoming.host;
  headers['x-forwarded-prefix'] = target.prefix;
  headers.host = `localhost:${target.port}`;
  return headers;
}

/** The app's answer as the browser should see it: redirects kept under the preview, Berth's cookie untouchable. */
function responseHeaders(incoming: IncomingHttpHeaders, target: Target): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
  }
  const location = incoming.location;
  if (location !== undefined) headers.location = rewriteLocation(location, target);
  const setCookie = (incoming['set-cookie'] ?? []).filter((c) => !c.trim().startsWith(`${COOKIE_NAME}=`));
  if (setCookie.length > 0) headers['set-cookie'] = setCookie;
  else delete headers['set-cookie'];
  return headers;
}

/**
 * A redirect to the app's own root-relative or localhost address stays inside the preview. Apps
 * often name their own port, not the published one (nginx says http://localhost/docs/), so a
 * localhost address without a port counts as the app's too.
 */
export function rewriteLocation(location: string, target: Pick<Target, 'port' | 'prefix'>): string {
  if (location.startsWith('/') && !location.startsWith('//')) return `${target.prefix}${location}`;
  try {
    const url = new URL(location);
    const local = ['localhost', '127.0.0.1'].includes(url.hostname);
    if (local && (url.port === '' || Number(url.port) === target.port)) {
      return `${target.prefix}${url.pathname}${url.search}${url.hash}`;
    }
  } catch {
    // A relative location without a leading slash resolves correctly as it is.
  }
  return location;
}
