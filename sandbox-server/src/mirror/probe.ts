import { get } from 'node:http';
import { request } from 'node:https';

/**
 * The HTTP status `url` answers with, or undefined when nothing answers within `timeoutMs`.
 *
 * Not fetch: Node 20.20's fetch never settles when a server closes a connection without a
 * response, as Docker's port proxy does while the container behind it is not listening yet, and
 * the process then exits with 13 in the middle of an await. node:http reports the reset.
 */
export function httpStatus(url: string, timeoutMs: number, method = 'GET'): Promise<number | undefined> {
  return new Promise((resolve) => {
    const send = url.startsWith('https:') ? request : get;
    const req = send(url, { method, timeout: timeoutMs }, (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}
