/** What POST and GET /api/session answer: the reader's session as the dock shows it. */
export type SessionState = 'starting' | 'ready';
export type SessionView = {
  state: SessionState;
  expiresAt: string;
  idleTimeoutSeconds: number;
  /** Present only while the session waits for a start slot (a class arriving at once). */
  queue?: SessionQueue;
  /** The reader's hosts, node1 first: each a sandbox of its own on the reader's network. */
  hosts: HostView[];
  /** How many hosts this reader may have, node1 among them. */
  maxHosts: number;
};

/** One of a reader's hosts: `starting` until a shell can be had in it. */
export type HostView = { name: string; state: SessionState };

/** What POST /api/session/hosts takes: nothing (one more host), or how many the reader needs in all. */
export type HostsRequest = { atLeast?: number };

/** What POST and DELETE /api/session/hosts answer: the reader's hosts now, and the ones just asked for. */
export type HostsView = { hosts: HostView[]; maxHosts: number; adding: string[] };

/** A waiting reader's place in line: 1 is next to start; the estimate is until their shell answers. */
export type SessionQueue = { position: number; estimateSeconds: number };

/** Why a session ended; a terminal open at the time is told `session_<reason>`. */
export type EndReason = 'deleted' | 'idle' | 'expired' | 'failed';

/** What POST /api/session/pulls answers (202): the images now being pulled, each once per sandbox. */
export type PullsView = { pulling: string[] };

/** Images one pulls request may name: a page's `images:`, kept short. */
export const MAX_IMAGES_PER_REQUEST = 8;
