import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { countRefusal, type Metrics } from '../metrics/index.ts';
import type { ApiError } from './index.ts';

/**
 * Answers an upgrade request that will not be upgraded: the error's status and JSON body, then
 * close. With `metrics`, a refusal for load (429, 503) is counted as the app counts its answers.
 */
export function refuseUpgrade(socket: Duplex, error: ApiError, metrics?: Pick<Metrics, 'refusals'>): void {
  if (metrics) countRefusal(metrics, error);
  const body = JSON.stringify(error.toBody());
  socket.end(
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status]}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}
