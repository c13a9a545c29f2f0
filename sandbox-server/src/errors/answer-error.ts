import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { ApiError } from './index.ts';

/** Answers a plain Node request with the error's status and JSON body (with Retry-After when it has one). */
export function answerError(res: ServerResponse, error: ApiError, headers: OutgoingHttpHeaders = {}): void {
  const retry =
    error.retryAfterSeconds === undefined ? {} : { 'retry-after': String(error.retryAfterSeconds) };
  res.writeHead(error.status, { ...headers, ...retry, 'content-type': 'application/json' });
  res.end(JSON.stringify(error.toBody()));
}
