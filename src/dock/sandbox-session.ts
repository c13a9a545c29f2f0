/**
 * The reader's sandbox session as the dock lives it: asking the server for one, moving the
 * session's state on at each event (./session-state.ts) and doing what each transition says to
 * the tabs, the port links, the status and the page, and holding runs back until their terminal
 * can take them.
 */
import type { InterruptPrompt } from './interrupt-prompt.ts';
import type { PortLinks } from './port-links.ts';
import {
  currentSession,
  deleteSession,
  ensureSession,
  SandboxUnavailable,
  type SandboxView,
  type SessionQueue,
} from './session-api.ts';
import {
  type Announcement,
  type DockState,
  endedMessage,
  type FailedState,
  failureNotice,
  initialSession,
  readiness,
  type SessionEvent,
  transition,
} from './session-state.ts';
import type { SessionStatus } from './session-status.ts';
import type { TabRow } from './tab-row.ts';
import type { TerminalTab } from './terminal-tab.ts';

const GUEST_ENDED_TEXT = 'The shared sandbox has ended, or its owner stopped sharing it.';

/** `berth:session`, dispatched on `document` for views that follow the sandbox. */
export type SessionEventDetail = { state: Announcement };

export type SessionParts = {
  tabs: TabRow;
  ports: PortLinks;
  status: SessionStatus;
  interrupt: InterruptPrompt;
  /** A sandbox was found or made: its expiry time, unique enough to tell sandboxes apart. */
  opened: (sandbox: string) => void;
  /** A guest's dock, of someone else's sandbox: it never makes one, and it ends as the link does. */
  guest: boolean;
};

export class SandboxSession {
  readonly #parts: SessionParts;
  #session = initialSession();
  #retryTimer: number | undefined;
  /** Runs waiting for their terminal to be usable; each says whether it is done waiting. */
  readonly #waiters = new Set<() => boolean>();

  constructor(parts: SessionParts) {
    this.#parts = parts;
  }

  get state(): DockState {
    return this.#session.state;
  }

  /** A session exists: terminals may attach. */
  get live(): boolean {
    return this.#session.live;
  }

  /** Opens the reader's sandbox: a new one when `create`, else only the one the cookie names. */
  async start(create: boolean): Promise<void> {
    window.clearTimeout(this.#retryTimer);
    this.#apply({ type: 'start' });
    let view: SandboxView | undefined;
    try {
      view = create ? await ensureSession() : await currentSession();
      if (!view) {
        this.ended();
        return;
      }
      this.#parts.opened(view.expiresAt);
    } catch (error) {
      if (!(error instanceof SandboxUnavailable)) throw error;
      this.#fail(error.kind, error.message, error.retryAfterSeconds);
      return;
    }
    // The answer's place in line shows until the terminals' sockets say more.
    this.#apply({ type: 'opened', queue: view.queue });
  }

  /** Removes the sandbox and starts a fresh one. */
  async reset(): Promise<void> {
    this.#apply({ type: 'reset' });
    await deleteSession();
    this.#parts.tabs.current.terminal.reset();
    await this.start(true);
  }

  /** The server's word on the sandbox behind a terminal's socket, with its place in line while it waits. */
  said(state: 'starting' | 'ready', queue?: SessionQueue): void {
    this.#apply({ type: 'status', state, queue });
  }

  reconnecting(): void {
    this.#apply({ type: 'reconnecting' });
  }

  /** The session ended (deleted, idle, expired, …), with the server's words on why when it gave them. */
  ended(why?: string): void {
    this.#fail('expired', this.#parts.guest ? (why ?? GUEST_ENDED_TEXT) : endedMessage(why));
  }

  /** Resolves once the tab's shell is at a prompt; rejects when no sandbox can be had or the tab closed. */
  usable(tab: TerminalTab): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = () => {
        const now = readiness(this.#session, tab.marks.state !== 'unknown');
        if (now === 'failed') reject(new SandboxUnavailable('unavailable', this.#session.failure));
        else if (this.#parts.tabs.get(tab.name) !== tab)
          reject(new Error(`the terminal ${tab.name} was closed`));
        else if (now === 'ready') resolve();
        else return false;
        return true;
      };
      if (!done()) this.#waiters.add(done);
    });
  }

  /** Something a waiting run waits for may have changed (a mark, a closed tab): it looks again. */
  wake(): void {
    for (const waiter of [...this.#waiters]) if (waiter()) this.#waiters.delete(waiter);
  }

  #apply(event: SessionEvent): void {
    const { tabs, ports, status, interrupt } = this.#parts;
    const change = transition(this.#session, event);
    this.#session = change.session;
    if (change.detach) {
      for (const tab of tabs.all()) tab.disconnect();
      interrupt.dismiss();
    }
    if (change.gone) {
      tabs.closeAllButMain();
      ports.clear();
    }
    status.show(change.session);
    if (change.announce) {
      const detail: SessionEventDetail = { state: change.announce };
      document.dispatchEvent(new CustomEvent('berth:session', { detail }));
    }
    if (change.arrived) ports.refresh();
    if (change.attach) for (const tab of tabs.all()) tab.connect();
    this.wake();
  }

  #fail(state: FailedState, message: string, retryAfterSeconds?: number): void {
    this.#apply({ type: 'failed', state, message });
    const notice = this.#parts.guest
      ? { text: message, retry: 'Leave' }
      : failureNotice(state, message, retryAfterSeconds, Date.now());
    this.#parts.status.showFailure(notice);
    if (notice.retryInMs) this.#retryTimer = window.setTimeout(() => void this.start(true), notice.retryInMs);
  }
}
