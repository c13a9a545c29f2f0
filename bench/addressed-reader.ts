/**
 * A simulated reader at a client address of their own. A class arrives from many machines, and the
 * server's per-address limits (BERTH_SESSIONS_PER_CLIENT, BERTH_SESSIONS_PER_MINUTE) count by
 * address, so a crowd from one address would be a different test. Linux routes all of 127/8 to
 * `lo`: binding each reader's sockets to its own 127.x address makes the server see each as
 * itself, with no proxy header to trust.
 *
 * node:http and not fetch: fetch binds an address only through an undici Agent, and the undici
 * installed here (astro's, v8) needs Node 22; Node 20's own is not importable.
 */
import { request } from 'node:http';
import { COOKIE_NAME } from '../sandbox-server/src/config/session-cookie.ts';
import { TerminalProbe } from './probe.ts';

/** Readers given an address so far in this run: each reader a new address, as in a real class. */
let addressesGiven = 0;

/** The next reader's address: 127.0.0.2 … 127.0.0.254, 127.0.1.1 …; 127.0.0.1 stays the bench's own. */
function nextAddress(): string {
  const n = ++addressesGiven;
  return `127.0.${Math.floor(n / 254)}.${(n % 254) + 1}`;
}

export type Answer = { status: number; body: Record<string, unknown> };

export class AddressedReader {
  readonly address = nextAddress();
  private cookie = '';

  constructor(private readonly url: string) {}

  /** One request of the API from this reader's address, with its session cookie once it has one. */
  send(method: 'POST' | 'GET' | 'DELETE', path: string): Promise<Answer> {
    const headers: Record<string, string> = { origin: this.url, 'content-length': '0' };
    if (this.cookie) headers.cookie = this.cookie;
    return new Promise((resolve, reject) => {
      const sent = request(
        `${this.url}${path}`,
        { method, headers, localAddress: this.address, agent: false, timeout: 60_000 },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            text += chunk;
          });
          response.on('end', () => {
            const token = (response.headers['set-cookie'] ?? [])
              .map((line) => new RegExp(`^${COOKIE_NAME}=([^;]+)`).exec(line)?.[1])
              .find(Boolean);
            if (token) this.cookie = `${COOKIE_NAME}=${token}`;
            let body: Record<string, unknown> = {};
            try {
              body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
            } catch {
              body = { text: text.slice(0, 200) };
            }
            resolve({ status: response.statusCode ?? 0, body });
          });
        },
      );
      sent.on('timeout', () => sent.destroy(new Error(`${method} ${path} had no answer in 60 s`)));
      sent.on('error', reject);
      sent.end();
    });
  }

  /** The reader's terminal `name`, its socket from the same address. */
  terminal(name: string): Promise<TerminalProbe> {
    return TerminalProbe.open(this.url, name, this.cookie, this.address);
  }

  /** Ends the reader's session, if it got one. */
  async leave(): Promise<void> {
    if (this.cookie) await this.send('DELETE', '/api/session').catch(() => {});
  }
}
