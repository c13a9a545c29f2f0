import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { type ErrorBody, type ErrorCode, errorStatus } from '../contract/errors.ts';

export type { ErrorBody, ErrorCode } from '../contract/errors.ts';

// Every status of the table is one Hono can send with a body.
errorStatus satisfies Record<ErrorCode, ContentfulStatusCode>;

/** An error meant for the client: its message is shown to them as it is. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  get status(): ContentfulStatusCode {
    return errorStatus[this.code];
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}

/** A request body's JSON, or `invalid_json`: every route that takes a body reads it so. */
export function jsonOf(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError('invalid_json', 'The request body is not valid JSON.');
  }
}

/** Runs an engine call, treating "no such object" (404) as already done. */
export async function ignoreMissing(action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (engineStatus(error) !== 404) throw error;
  }
}

/** The HTTP status of an error from the Docker engine (dockerode sets `statusCode`), if it has one. */
export function engineStatus(error: unknown): number | undefined {
  return (error as { statusCode?: number } | undefined)?.statusCode;
}
