import { MAX_POOL_SIZE } from '../config/pool-schedule.ts';
import { ApiError, jsonOf } from '../errors/index.ts';
import type { PoolAsk } from '../pool/pool-target.ts';

/** A time with its zone: a room asked for "09:00" alone would depend on the server's zone. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const FIELDS = new Set(['size', 'readyBy', 'until']);

const invalid = (message: string) => new ApiError('invalid_request', message);

function timeOf(body: Record<string, unknown>, field: 'readyBy' | 'until'): Date | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  const time = typeof value === 'string' && ISO_TIME.test(value) ? new Date(value) : undefined;
  if (!time || Number.isNaN(time.getTime())) {
    throw invalid(`${field} must be an ISO 8601 time with its zone, like 2026-12-01T09:00:00Z.`);
  }
  return time;
}

/**
 * The room a PUT /api/admin/pool body asks for: `{"size":40,"readyBy":…,"until":…}`, the times
 * optional; undefined for size 0, which withdraws the last one. Anything else is refused, saying why.
 */
export function poolAskOf(text: string, now: number): PoolAsk | undefined {
  const body = jsonOf(text);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('The body must be an object like {"size":40,"readyBy":"2026-12-01T09:00:00Z"}.');
  }
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => !FIELDS.has(key));
  if (unknown.length > 0)
    throw invalid(`Unknown fields: ${unknown.join(', ')}; the body takes size, readyBy and until.`);
  const { size } = fields;
  if (!Number.isInteger(size) || (size as number) < 0 || (size as number) > MAX_POOL_SIZE) {
    throw invalid(
      `size must be a whole number of sandboxes from 0 to ${MAX_POOL_SIZE} (0 withdraws the request).`,
    );
  }
  const readyBy = timeOf(fields, 'readyBy');
  const until = timeOf(fields, 'until');
  if (until && until.getTime() <= now) throw invalid('until is already past.');
  if (until && readyBy && until <= readyBy) throw invalid('until must come after readyBy.');
  if (size === 0) return undefined;
  return { size: size as number, readyBy, until };
}
