import { createServer, type RequestListener, type Server } from 'node:http';

/**
 * A client must send its whole request head within this long: a slowloris holds connections
 * open by sending headers a byte at a time, and every connection costs the server a socket.
 */
const HEADERS_TIMEOUT_MS = 10_000;
/** How often Node looks for connections past those limits (its default, 30 s, would let them linger). */
const CHECK_EVERY_MS = 1_000;

/**
 * An HTTP listener with bounds on how slowly a client may send its request. `requestTimeoutMs`
 * bounds the whole request, body included: short for the API, whose bodies are tiny, longer for
 * the preview, where a reader may upload to their app. Upgraded connections are past both.
 */
export function createListener(handler: RequestListener, requestTimeoutMs: number): Server {
  const server = createServer(
    {
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: requestTimeoutMs,
      connectionsCheckingInterval: CHECK_EVERY_MS,
    },
    handler,
  );
  server.keepAliveTimeout = 5_000;
  return server;
}
