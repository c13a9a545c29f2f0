/** What POST and GET /api/session answer: the reader's session as the dock shows it. */
export type SessionState = 'starting' | 'ready';
export type SessionView = {
  state: SessionState;
  expiresAt: string;
  idleTimeoutSeconds: number;
  /** Present only while the session waits for a start slot (a class arriving at once). */
  queue?: SessionQueue;
};

/** A waiting reader's place in line: 1 is next to start; the estimate is until their shell answers. */
export type SessionQueue = { position: number; estimateSeconds: number };

/** Why a session ended; a terminal open at the time is told `session_<reason>`. */
export type EndReason = 'deleted' | 'idle' | 'expired' | 'failed';

/** What POST /api/session/pulls answers (202): the images now being pulled, each once per sandbox. */
export type PullsView = { pulling: string[] };

/** Images one pulls request may name: a page's `images:`, kept short. */
export const MAX_IMAGES_PER_REQUEST = 8;
