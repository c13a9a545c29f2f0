/**
 * The reader's sandbox session as the dock knows it, as data: its state, why it failed, whether
 * terminals may attach, what the page was last told, and what each event changes. No DOM here,
 * so every transition is tested on its own; the dock (./dock.ts) does what a transition says.
 */

import type { SessionQueue } from '../../sandbox-server/src/contract/index.ts';

export type DockState =
  | 'starting'
  | 'ready'
  | 'reconnecting'
  | 'preparing'
  | 'capacity'
  | 'limit'
  | 'expired'
  | 'unavailable';

/** The states in which no sandbox can be had now: the dock says why, and offers to try again. */
export type FailedState = 'preparing' | 'capacity' | 'limit' | 'expired' | 'unavailable';

/** What the page is told on `document` (`berth:session`). */
export type Announcement = 'ready' | 'ended';

export type Session = {
  state: DockState;
  /** A session exists: terminals may attach. Until then, a new tab waits. */
  live: boolean;
  /** Why the last failure happened, in the reader's words: shown after the state's own. */
  failure: string;
  /** What the page was last told, so a reconnect does not announce the same sandbox twice. */
  announced: Announcement | undefined;
  /** While the sandbox waits for a start slot (a class arriving at once): the reader's place in line. */
  queue: SessionQueue | undefined;
};

export type SessionEvent =
  /** The dock asks the server for a sandbox: a new one, or the one the cookie names. */
  | { type: 'start' }
  /** The server has one, perhaps still in line for a start: terminals may attach. */
  | { type: 'opened'; queue?: SessionQueue }
  /** The server's word on the sandbox behind a terminal's socket, with its place in line while it waits. */
  | { type: 'status'; state: 'starting' | 'ready'; queue?: SessionQueue }
  /** A terminal's socket dropped unexpectedly; it tries again by itself. */
  | { type: 'reconnecting' }
  | { type: 'failed'; state: FailedState; message: string }
  /** The reader resets the sandbox: the old one goes before a new one starts. */
  | { type: 'reset' };

/** A session after an event, and what the dock does about it. */
export type Transition = {
  session: Session;
  /** What to tell the page, when it is news. */
  announce: Announcement | undefined;
  /** The sandbox is there now, after something else: its published ports are worth asking for. */
  arrived: boolean;
  /** Terminals attach: a session exists now. */
  attach: boolean;
  /** Terminals let go of their shells, and a run waiting for one is cancelled. */
  detach: boolean;
  /** The sandbox is gone: the shells but `main`'s went with it, and so did its ports. */
  gone: boolean;
};

const START_AGAIN_TEXT = 'Start a new one to run commands again.';
export const ENDED_TEXT = `Your sandbox has ended. ${START_AGAIN_TEXT}`;

const STATE_TEXT: Record<DockState, string> = {
  starting: 'Starting your sandbox…',
  ready: 'Ready',
  reconnecting: 'Reconnecting…',
  preparing: 'Sandboxes are being prepared',
  capacity: 'Every sandbox is taken',
  limit: 'Too many sandboxes',
  expired: 'Sandbox ended',
  unavailable: 'Sandbox unavailable',
};

const FAILED: ReadonlySet<DockState> = new Set<FailedState>([
  'preparing',
  'capacity',
  'limit',
  'expired',
  'unavailable',
]);

export function initialSession(): Session {
  return { state: 'starting', live: false, failure: '', announced: undefined, queue: undefined };
}

export function isFailed(state: DockState): state is FailedState {
  return FAILED.has(state);
}

export function transition(session: Session, event: SessionEvent): Transition {
  switch (event.type) {
    case 'start':
      return change(session, { state: 'starting' });
    case 'opened':
      return change(session, { live: true, queue: event.queue });
    case 'status':
      return change(session, { state: event.state, queue: event.queue });
    case 'reconnecting':
      return change(session, { state: 'reconnecting' });
    case 'failed':
      return change(
        session,
        { state: event.state, live: false, failure: event.message },
        event.state === 'expired',
      );
    case 'reset':
      return change(session, { live: false }, true);
  }
}

function change(session: Session, next: Partial<Session>, gone = false): Transition {
  const changed = { ...session, queue: undefined, ...next };
  // Only a start waits in line; any other state, or a start that got its slot, has no place.
  if (changed.state !== 'starting') changed.queue = undefined;
  const arrived = changed.state === 'ready' && session.state !== 'ready';
  const news = gone ? 'ended' : arrived ? 'ready' : undefined;
  const announce = news !== session.announced ? news : undefined;
  return {
    session: { ...changed, announced: news ?? session.announced },
    announce,
    arrived,
    attach: changed.live && !session.live,
    detach: next.live === false,
    gone,
  };
}

/** The status line: the state in words, why for a failed one, the place in line for a waiting one. */
export function statusText(session: Session): string {
  if (session.state === 'starting' && session.queue) return queueText(session.queue);
  // A preparing server's first sentence is the state's own with the step it is at; the notice has the rest.
  if (session.state === 'preparing' && session.failure) return session.failure.split(/\.\s/)[0] ?? '';
  const text = STATE_TEXT[session.state];
  return isFailed(session.state) ? `${text}: ${session.failure}` : text;
}

/** The status line while a sandbox starts: the place in line while it waits, else the time taken so far. */
export function startingText(seconds: number, queue?: SessionQueue): string {
  return queue ? queueText(queue) : `${STATE_TEXT.starting} ${seconds.toFixed(1)} s`;
}

/** 1st, 2nd, 3rd, 4th, …, 11th, 12th, 13th, …, 21st. */
function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? 'th' : (({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** "You are 12th in line — about 20 s": where the reader waits, and how long until their shell. */
function queueText({ position, estimateSeconds }: SessionQueue): string {
  const place = position === 1 ? 'next' : ordinal(position);
  const wait = estimateSeconds < 90 ? `${estimateSeconds} s` : `${Math.round(estimateSeconds / 60)} min`;
  return `You are ${place} in line — about ${wait}`;
}

export function showsProgress(state: DockState): boolean {
  return state === 'starting' || state === 'reconnecting';
}

/** Why the session ended, with the server's words when it gave them. */
export function endedMessage(why?: string): string {
  return why ? `${why} ${START_AGAIN_TEXT}` : ENDED_TEXT;
}

/** A sandbox that ended, or that could not be had for a reason that may pass, is started again by a Run. */
export function restartsOnRun(state: DockState): boolean {
  return state === 'expired' || state === 'unavailable' || state === 'preparing';
}

/**
 * Whether a run may type into a terminal now: `failed` when no sandbox can be had, `ready` once
 * the sandbox is ready and the terminal's shell has said where it is, else `waiting`.
 */
export function readiness(session: Session, shellKnown: boolean): 'failed' | 'ready' | 'waiting' {
  if (isFailed(session.state)) return 'failed';
  return session.state === 'ready' && shellKnown ? 'ready' : 'waiting';
}

/** A failure's notice: what happened, the button's words, and when Berth tries again by itself. */
export type FailureNotice = { text: string; retry: string; retryInMs?: number };

/** How soon the dock asks a preparing server again when it named no time. */
const PREPARING_ASK_MS = 5_000;

/**
 * A full server says when to try again (`Retry-After`): the dock then does, at that time. A
 * preparing one is asked again every few seconds, so its step shows as it moves.
 */
export function failureNotice(
  state: FailedState,
  message: string,
  retryAfterSeconds: number | undefined,
  now: number,
): FailureNotice {
  const retry = state === 'expired' ? 'Start a new sandbox' : 'Try again';
  if (state === 'preparing') {
    return {
      text: message,
      retry,
      retryInMs: retryAfterSeconds ? retryAfterSeconds * 1000 : PREPARING_ASK_MS,
    };
  }
  if (state !== 'capacity' || !retryAfterSeconds) return { text: message, retry };
  const at = new Date(now + retryAfterSeconds * 1000).toLocaleTimeString();
  return { text: `${message} Trying again at ${at}.`, retry, retryInMs: retryAfterSeconds * 1000 };
}
