/**
 * A guest's events socket (/api/shared/<address>/events): the shared sandbox as it changes (the
 * owner's page and results, their terminals and hosts), and the word when the link or the
 * sandbox ends. While it is open the owner sees this guest, by the name given.
 */
import type { GuestEvent, SharedSessionView } from '../../sandbox-server/src/contract/index.ts';
import { sitePath } from '../links/site-path.ts';
import type { GuestLink } from './guest-mode.ts';

export type FeedListener = {
  shared(view: SharedSessionView): void;
  /** The link was revoked or the sandbox ended: the server's words on which. */
  ended(message: string): void;
};

const MAX_RETRY_MS = 15_000;

export class SharedFeed {
  #socket: WebSocket | undefined;
  #retryMs = 1000;
  #timer: number | undefined;
  #stopped = false;

  constructor(
    readonly link: GuestLink,
    readonly listener: FeedListener,
  ) {}

  /** Opens the socket (again, under a new name when the guest gave one). */
  connect(): void {
    this.#stopped = false;
    window.clearTimeout(this.#timer);
    const old = this.#socket;
    this.#socket = undefined;
    old?.close();
    const url = new URL(
      sitePath(`/api/shared/${this.link.address}/events?name=${encodeURIComponent(this.link.name)}`),
      location.href,
    );
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(url);
    this.#socket = socket;
    let ended: string | undefined;
    socket.addEventListener('open', () => {
      this.#retryMs = 1000;
    });
    socket.addEventListener('message', (event) => {
      if (typeof event.data !== 'string') return;
      const message = JSON.parse(event.data) as GuestEvent;
      if (message.type === 'shared') this.listener.shared(message);
      else if (message.type === 'error') ended = message.message;
    });
    socket.addEventListener('close', () => {
      if (this.#socket !== socket || this.#stopped) return;
      this.#socket = undefined;
      if (ended !== undefined) {
        this.listener.ended(ended);
        return;
      }
      // Dropped, or refused (a revoked link is refused with 401): the dock's own check says which.
      this.#timer = window.setTimeout(() => this.connect(), this.#retryMs);
      this.#retryMs = Math.min(this.#retryMs * 2, MAX_RETRY_MS);
    });
  }

  rename(name: string): void {
    this.link.name = name;
    this.connect();
  }

  stop(): void {
    this.#stopped = true;
    window.clearTimeout(this.#timer);
    this.#socket?.close();
    this.#socket = undefined;
  }
}
