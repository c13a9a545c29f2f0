import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Config } from '../config/index.ts';
import { type GuestEvent, guestName, MAX_GUESTS_PER_LINK } from '../contract/sharing.ts';
import { CLOSE_NORMAL, sessionEndedCode } from '../contract/terminal.ts';
import { ApiError } from '../errors/index.ts';
import { refuseUpgrade } from '../errors/refuse-upgrade.ts';
import type { Metrics } from '../metrics/index.ts';
import { isAllowedOrigin } from '../sessions/origin.ts';
import type { EndReason } from '../sessions/session.ts';
import type { Sessions } from '../sessions/sessions.ts';
import { sessionEndedMessage } from '../terminals/closing.ts';
import { Heartbeat } from '../terminals/heartbeat.ts';
import { type Guest, guestOf, sharedView } from './guests.ts';
import type { Presence } from './share-links.ts';

/** A guest's events socket: /api/shared/<address>/events. */
const EVENTS_PATH = /^\/api\/shared\/([0-9a-f]{20})\/events$/;

/**
 * What a guest sees that changes without a word to the links (a host's start settling, the
 * sandbox becoming ready) is looked at this often; the owner's page and terminals are told at once.
 */
const LOOK_AGAIN_MS = 2000;

/** Whether a request (its path inside the base path) is for a guest's events socket. */
export function isGuestEventsPath(url: string | undefined): boolean {
  return EVENTS_PATH.test(new URL(url ?? '/', 'http://upgrade.invalid').pathname);
}

/**
 * Guests' events sockets: each is a guest's presence (the owner's GET /api/session/shares lists
 * it, with the name the guest gave) and its news of the shared sandbox. A socket lives as long as
 * its link and its session; revoking the link closes it at once.
 */
export class GuestEvents {
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: 1024,
    perMessageDeflate: false,
  });
  private readonly open = new Set<WebSocket>();

  constructor(
    private readonly sessions: Pick<Sessions, 'fromShareToken'>,
    private readonly config: Pick<Config, 'allowedOrigins' | 'idleTimeoutSeconds'>,
    private readonly log: Logger,
    private readonly metrics: Pick<Metrics, 'refusals'>,
  ) {}

  /** Node's 'upgrade' handler for /api/shared/<address>/events: checked as a terminal is. */
  readonly handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://upgrade.invalid');
    let guest: Guest;
    try {
      guest = this.check(url, req);
    } catch (error) {
      const answer =
        error instanceof ApiError ? error : new ApiError('internal', 'The request could not be checked.');
      refuseUpgrade(socket, answer, this.metrics);
      return;
    }
    const presence: Presence = { name: guestName(url.searchParams.get('name')), connectedAt: new Date() };
    // Counted before the handshake ends, so a crowd arriving at once cannot pass the limit together.
    guest.link.guests.add(presence);
    this.wss.handleUpgrade(req, socket, head, (ws) => this.serve(ws, guest, presence));
    socket.once('close', () => guest.link.guests.delete(presence));
  };

  /** Closes every guest's socket, as on shutdown; they reconnect to the next run. */
  closeAll(code: number, reason: string): void {
    for (const ws of this.open) ws.close(code, reason);
  }

  private check(url: URL, req: IncomingMessage): Guest {
    const match = EVENTS_PATH.exec(url.pathname);
    if (!match) throw new ApiError('not_found', 'No WebSocket is served at this path.');
    if (!isAllowedOrigin(req.headers.origin, req.headers.host, this.config.allowedOrigins)) {
      throw new ApiError('forbidden_origin', 'Share links open only from the site itself.');
    }
    const guest = guestOf(this.sessions, match[1], req.headers.cookie);
    if (!guest) {
      throw new ApiError(
        'unauthorized',
        'This share link is not live (revoked, or its sandbox ended), or this browser has not joined it.',
      );
    }
    if (guest.link.guests.size >= MAX_GUESTS_PER_LINK) {
      throw new ApiError('too_many_guests', `A share link may have ${MAX_GUESTS_PER_LINK} guests at once.`);
    }
    return guest;
  }

  private serve(ws: WebSocket, guest: Guest, presence: Presence): void {
    const { session, link } = guest;
    const log = this.log.child({ session: session.id, share: link.address, kind: link.kind });
    this.open.add(ws);
    const heartbeat = new Heartbeat(ws);
    let last = '';
    const send = (event: GuestEvent) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(event));
    };
    const tell = () => {
      const now = JSON.stringify(sharedView(guest));
      if (now === last) return;
      last = now;
      send({ type: 'shared', ...sharedView(guest) });
    };
    const end = (event: GuestEvent & { type: 'error' }) => {
      send(event);
      ws.close(CLOSE_NORMAL, event.code === 'share_revoked' ? 'share revoked' : 'session ended');
    };
    const onEnded = () => {
      const reason = session.ended.reason as EndReason;
      end({
        type: 'error',
        code: sessionEndedCode(reason),
        message: sessionEndedMessage(reason, this.config.idleTimeoutSeconds),
      });
    };
    const onRevoked = () => {
      if (session.ended.aborted) return;
      end({
        type: 'error',
        code: 'share_revoked',
        message: 'The owner of this sandbox stopped sharing it with this link.',
      });
    };
    const stopListening = session.links.onChange(tell);
    const lookAgain = setInterval(tell, LOOK_AGAIN_MS);
    lookAgain.unref();
    session.ended.addEventListener('abort', onEnded, { once: true });
    link.revoked.addEventListener('abort', onRevoked, { once: true });
    ws.on('pong', () => heartbeat.pong());
    ws.on('error', (error) => log.debug({ err: error }, 'guest events socket error'));
    // A guest has nothing to say here; what it sends anyway is dropped unread.
    ws.on('close', () => {
      this.open.delete(ws);
      link.guests.delete(presence);
      heartbeat.stop();
      clearInterval(lookAgain);
      stopListening();
      session.ended.removeEventListener('abort', onEnded);
      link.revoked.removeEventListener('abort', onRevoked);
      log.info({ event: 'guest_left' }, 'guest left');
    });
    log.info({ event: 'guest_joined' }, 'guest joined');
    // Revoked or ended during the handshake: the guest learns it now, not never.
    if (session.ended.aborted) onEnded();
    else if (link.revoked.aborted) onRevoked();
    else tell();
  }
}
