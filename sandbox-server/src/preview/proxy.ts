import {
  type ClientRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  request,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import { type Duplex, pipeline } from 'node:stream';
import type { Logger } from 'pino';
import { answerError } from '../errors/answer-error.ts';
import { ApiError } from '../errors/index.ts';
import { refuseUpgrade } from '../errors/refuse-upgrade.ts';
import { apiErrorOf } from '../errors/sandbox-errors.ts';
import { PREVIEW_HEADERS } from '../requests/security-headers.ts';
import type { SandboxAccess } from '../sandboxes/driver.ts';
import { FIRST_HOST } from '../sandboxes/hosts.ts';
import { type Sessions, whenReady } from '../sessions/sessions.ts';
import { guestOf } from '../sharing/guests.ts';
import type { ShareLink } from '../sharing/share-links.ts';
import { publishingContainers } from '../views/containers.ts';
import {
  answerHead,
  checkedAnswer,
  InvalidAnswer,
  isParseError,
  MAX_ANSWER_HEAD_BYTES,
  MAX_ANSWER_HEADERS,
  upgradeHeaders,
} from './answer.ts';
import { requestHeaders, responseHeaders } from './headers.ts';
import { previewablePorts } from './ports.ts';
import { parsePreviewPath, previewIdFor } from './preview-path.ts';

/** How long a session's list of published ports is reused: a page's assets need not each ask the sandbox. */
const PORTS_TTL_MS = 2_000;
/**
 * Each connection is a process in the sandbox and an exec on the shared engine: a page needs far
 * fewer. An owner has this many; their guests, through every link, as many again together.
 */
const MAX_CONNECTIONS = 32;

/** Where previews go: a session's published ports, and connections to them from inside its sandbox. */
export type PreviewUpstream = {
  publishedPorts(sessionId: string): Promise<Set<number>>;
  connect(sessionId: string, port: number): Promise<Duplex>;
};

/** The sandbox as the preview's upstream: ports read from its own Docker engine. */
export function sandboxUpstream(driver: SandboxAccess): PreviewUpstream {
  return {
    publishedPorts: (sessionId) =>
      publishingContainers(driver, sessionId, FIRST_HOST).then(
        (containers) => new Set(previewablePorts(containers).map((p) => p.port)),
      ),
    connect: (sessionId, port) => driver.connect(sessionId, FIRST_HOST, port),
  };
}

/** The sessions the preview serves; only lookups by cookie token, an owner's or a guest's. */
export type SessionLookup = Pick<Sessions, 'fromCookie' | 'fromShareToken'>;

type Target = {
  sessionId: string;
  /** Whose connections these are: the owner's, or all guests' of the session together. */
  counted: string;
  port: number;
  prefix: string;
  path: string;
  /** A guest's link: its connections end when it is revoked. */
  link?: ShareLink | undefined;
};

/** What a watch link's guest may send through a preview: requests that only read. */
const WATCH_METHODS = ['GET', 'HEAD'];

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
    private readonly sessions: SessionLookup,
    private readonly upstream: PreviewUpstream,
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
    const upstream = appRequest(req.method, target.path, requestHeaders(req.headers, target), connection);
    res.once('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    // Whatever the app sends is the reader's to choose: nothing of it may throw out of a listener.
    upstream.on('response', (answer) => {
      const headers = responseHeaders(answer.headers, target);
      try {
        res.writeHead(checkedAnswer(answer.statusCode, headers, answer.rawHeaders), headers);
      } catch (error) {
        answer.destroy();
        upstream.destroy();
        this.fail(res, this.invalid(target, error));
        return;
      }
      // A connection cut mid-answer ends the reader's too: what came is all there is.
      pipeline(answer, res, (error) => {
        if (error) connection.destroy();
      });
    });
    upstream.on('upgrade', (_answer, socket) => {
      socket.destroy();
      this.fail(res, this.invalid(target, new InvalidAnswer('101 to a request that did not ask to upgrade')));
    });
    upstream.on('error', (error) => {
      this.fail(res, this.failedAnswer(target, upstream, error));
    });
    req.on('error', () => upstream.destroy());
    req.pipe(upstream);
  }

  private async tunnel(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const target = await this.target(req);
    // A WebSocket talks both ways: a watcher only looks.
    if (target.link?.kind === 'watch') throw watchOnly();
    const connection = await this.connect(target, socket);
    if (!connection) return;
    const headers = { ...requestHeaders(req.headers, target), ...upgradeHeaders(req.headers) };
    const upstream = appRequest(req.method, target.path, headers, connection);
    const refuse = (error: ApiError) => {
      upstream.destroy();
      refuseUpgrade(socket, error);
    };
    // The app took the upgrade: its answer, checked like any other, then bytes both ways as they come.
    upstream.on('upgrade', (answer, appSocket, appHead) => {
      let answerBytes: string;
      try {
        const headers = { ...responseHeaders(answer.headers, target), ...upgradeHeaders(answer.headers) };
        answerBytes = answerHead(101, answer.statusMessage, headers, answer.rawHeaders);
      } catch (error) {
        appSocket.destroy();
        refuse(this.invalid(target, error));
        return;
      }
      socket.write(answerBytes);
      if (appHead.length > 0) socket.write(appHead);
      if (head.length > 0) appSocket.write(head);
      appSocket.on('error', () => appSocket.destroy());
      appSocket.once('close', () => socket.end(() => socket.destroy())); // what is buffered goes out first
      socket.once('close', () => appSocket.destroy());
      appSocket.pipe(socket);
      socket.pipe(appSocket);
    });
    // The app declined to upgrade: its answer as it gave it, then the connection closes.
    upstream.on('response', (answer) => {
      let answerBytes: string;
      try {
        const headers = responseHeaders(answer.headers, target);
        delete headers['content-length']; // the body ends with the connection
        answerBytes = answerHead(
          answer.statusCode ?? 0,
          answer.statusMessage,
          { ...headers, connection: 'close' },
          answer.rawHeaders,
        );
      } catch (error) {
        answer.destroy();
        refuse(this.invalid(target, error));
        return;
      }
      socket.write(answerBytes);
      pipeline(answer, socket, () => socket.destroy());
    });
    upstream.on('error', (error) => {
      refuse(this.failedAnswer(target, upstream, error));
    });
    upstream.end();
  }

  /**
   * Who asks, for which port: 404 unless the cookie's session owns this address (or the cookie is
   * a guest's of the link this address names) and the sandbox publishes the port.
   */
  private async target(req: IncomingMessage): Promise<Target> {
    const url = new URL(req.url ?? '/', 'http://preview.invalid');
    const parsed = parsePreviewPath(url.pathname);
    const owner = this.sessions.fromCookie(req.headers.cookie);
    const guest =
      parsed && !(owner && previewIdFor(owner.id) === parsed.previewId)
        ? guestOf(this.sessions, parsed.previewId, req.headers.cookie)
        : undefined;
    const session = guest?.session ?? owner;
    if (!parsed || !session || (!guest && previewIdFor(session.id) !== parsed.previewId)) {
      throw new ApiError('not_found', 'There is no preview at this address.');
    }
    if (guest?.link.kind === 'watch' && !WATCH_METHODS.includes(req.method ?? '')) throw watchOnly();
    whenReady(session);
    if (!(await this.publishedPorts(session.id)).has(parsed.port)) {
      throw new ApiError(
        'port_not_published',
        `No running container in your sandbox publishes port ${parsed.port}; try docker run -p ${parsed.port}:80 nginx.`,
      );
    }
    const { previewId, port } = parsed;
    const prefix = `/preview/${previewId}/${port}`;
    const path = `${parsed.path}${url.search}`;
    const counted = guest ? `guests of ${session.id}` : session.id;
    return { sessionId: session.id, counted, port, prefix, path, link: guest?.link };
  }

  /**
   * A connection to the target port, counted against the session's share and ended with its client.
   * Undefined when the client left while it was being made.
   */
  private async connect(target: Target, client: Client): Promise<Duplex | undefined> {
    const count = this.connections.get(target.counted) ?? 0;
    if (count >= MAX_CONNECTIONS) {
      throw new ApiError(
        'preview_busy',
        `${target.link ? "This sandbox's guests' previews hold" : 'Your previews hold'} ${count} connections, the most allowed; close some pages and try again.`,
        1,
      );
    }
    this.connections.set(target.counted, count + 1);
    let connection: Duplex;
    try {
      connection = await this.upstream.connect(target.sessionId, target.port);
    } catch (error) {
      this.release(target.counted);
      throw error;
    }
    this.open.add(connection);
    const revoked = target.link?.revoked;
    const cut = () => connection.destroy();
    revoked?.addEventListener('abort', cut, { once: true });
    connection.once('close', () => {
      this.open.delete(connection);
      this.release(target.counted);
      revoked?.removeEventListener('abort', cut);
    });
    if (client.destroyed) {
      connection.destroy();
      return undefined;
    }
    if (revoked?.aborted) {
      connection.destroy();
      throw new ApiError('not_found', 'There is no preview at this address.');
    }
    client.once('close', () => connection.destroy());
    return connection;
  }

  private release(counted: string): void {
    const count = (this.connections.get(counted) ?? 1) - 1;
    if (count > 0) this.connections.set(counted, count);
    else this.connections.delete(counted);
  }

  private publishedPorts(sessionId: string): Promise<Set<number>> {
    const cached = this.ports.get(sessionId);
    if (cached && Date.now() - cached.at < PORTS_TTL_MS) return cached.ports;
    for (const [id, entry] of this.ports) {
      if (Date.now() - entry.at >= PORTS_TTL_MS) this.ports.delete(id);
    }
    const ports = this.upstream.publishedPorts(sessionId);
    ports.catch(() => this.ports.delete(sessionId));
    this.ports.set(sessionId, { at: Date.now(), ports });
    return ports;
  }

  private invalid(target: Target, error: unknown): ApiError {
    const why = error instanceof InvalidAnswer ? error.message : String((error as Error).message ?? error);
    this.log.info(
      {
        event: 'preview_invalid_answer',
        session: target.sessionId,
        port: target.port,
        why: why.slice(0, 200),
      },
      'the app in a sandbox answered what the preview cannot relay',
    );
    return new ApiError(
      'preview_invalid_answer',
      `The app on port ${target.port} in your sandbox answered with something that is not valid HTTP (${why.slice(0, 80)}).`,
    );
  }

  /** An answer that never came whole: invalid once the app said anything, else nothing answered. */
  private failedAnswer(target: Target, upstream: ClientRequest, error: unknown): ApiError {
    if (isParseError(error)) return this.invalid(target, error);
    if (answered.has(upstream))
      return this.invalid(target, new InvalidAnswer('the answer ended before its head did'));
    return this.unreachable(target, error);
  }

  private unreachable(target: Target, error: unknown): ApiError {
    this.log.debug({ err: error, session: target.sessionId, port: target.port }, 'preview request failed');
    return unreachable(target.port);
  }

  private asApiError(error: unknown): ApiError {
    const known = apiErrorOf(error);
    if (known) return known;
    this.log.warn({ err: error }, 'preview failed');
    return new ApiError('preview_unreachable', 'Your sandbox did not answer the preview.');
  }

  private fail(res: ServerResponse, error: unknown): void {
    const apiError = this.asApiError(error);
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    answerError(res, apiError, PREVIEW_HEADERS);
  }
}

/** Requests whose app has sent at least one byte back. */
const answered = new WeakSet<ClientRequest>();

/** A request to the app over `connection`, its answer parsed by Node's client within Berth's limits. */
function appRequest(
  method: string | undefined,
  path: string,
  headers: OutgoingHttpHeaders,
  connection: Duplex,
): ClientRequest {
  const upstream = request({
    method,
    path,
    headers,
    createConnection: () => connection as Socket,
    maxHeaderSize: MAX_ANSWER_HEAD_BYTES,
  });
  upstream.maxHeadersCount = MAX_ANSWER_HEADERS;
  // After the client's own listener, which the 'socket' event follows, so no byte is taken from it.
  upstream.once('socket', (socket) => socket.once('data', () => answered.add(upstream)));
  return upstream;
}

function watchOnly(): ApiError {
  return new ApiError(
    'share_read_only',
    'This share link is for watching: its previews answer GET and HEAD only, and open no WebSockets.',
  );
}

function unreachable(port: number): ApiError {
  return new ApiError('preview_unreachable', `Nothing answered on port ${port} in your sandbox.`);
}
