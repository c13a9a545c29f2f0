import { ApiError } from '../errors/index.ts';
import type { Session } from './session.ts';

/** A full server's Retry-After is kept within these: no sooner than a reaper pass or two, no later than an hour. */
const SOONEST_SECONDS = 5;
const LATEST_SECONDS = 3600;

/** A wait in words for a reader: "about 40 seconds", "about 3 minutes", "about an hour". */
function inWords(seconds: number): string {
  if (seconds < 60) return `about ${Math.max(5, Math.round(seconds / 5) * 5)} seconds`;
  const minutes = Math.round(seconds / 60);
  if (minutes >= 60) return 'about an hour';
  return minutes === 1 ? 'about a minute' : `about ${minutes} minutes`;
}

/**
 * Every sandbox is taken: the answer says when the first one frees up, which is the soonest of the
 * live sessions' idle reaps (last input and the idle timeout) and expiries.
 */
export function atCapacity(sessions: readonly Session[], idleTimeoutSeconds: number, now: number): ApiError {
  const frees = sessions.map((s) =>
    Math.min(s.lastInputAt + idleTimeoutSeconds * 1000, s.expiresAt.getTime()),
  );
  const soonest = Math.min(...frees);
  const seconds = Math.min(LATEST_SECONDS, Math.max(SOONEST_SECONDS, Math.ceil((soonest - now) / 1000)));
  return new ApiError(
    'at_capacity',
    `Every sandbox on this server is taken; the next one frees up in ${inWords(seconds)}. Come back then.`,
    seconds,
  );
}
