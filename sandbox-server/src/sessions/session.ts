import { setMaxListeners } from 'node:events';
import type { EndReason, HostView, SessionQueue, SessionState, SessionView } from '../contract/session.ts';
import { MAX_GUEST_TERMINALS, MAX_GUESTS_PER_LINK, MAX_SHARES } from '../contract/sharing.ts';
import { ApiError } from '../errors/index.ts';
import type { SandboxOwner } from '../sandboxes/driver.ts';
import { FIRST_HOST, type HostName, hostNumber, isHostName } from '../sandboxes/hosts.ts';
import { ShareLinks } from '../sharing/share-links.ts';
import { HostSet } from './host-set.ts';
import { WorkBudget } from './work-budget.ts';

/** Terminal sockets one session may hold open at once: far more than a page needs, few enough to bound the work. */
export const MAX_OPEN_TERMINALS = 32;
/** Every socket of a session listens for its end: its owner's, its guests' and their events sockets. */
const MOST_SOCKETS = MAX_OPEN_TERMINALS + MAX_GUEST_TERMINALS + MAX_SHARES * MAX_GUESTS_PER_LINK;

export type { EndReason } from '../contract/session.ts';

/** One reader's session: its sandbox's lifecycle and what the terminals need to know of it. */
export class Session {
  state: SessionState = 'starting';
  lastInputAt: number;
  openTerminals = 0;
  /** Settles when the sandbox is ready, or rejects when it failed to start. */
  ready: Promise<void> = Promise.resolve();
  /** The programs Berth runs in the sandbox for this session's views and tab closes. */
  readonly execs = new WorkBudget('its contents', { concurrent: 4, perSecond: 10, burst: 20 });
  /** Terminal sockets opened: each is a program in the sandbox, and a reload opens them all again. */
  readonly terminalOpens = new WorkBudget('terminals', {
    concurrent: Number.POSITIVE_INFINITY,
    perSecond: 1,
    // All it may hold at once, and a few reopened after closing some.
    burst: MAX_OPEN_TERMINALS + 8,
  });
  /** The hosts the reader added beside node1, this session's own sandbox. */
  readonly hosts = new HostSet();
  /** Its share links: guests who watch or drive this sandbox (sharing/). */
  readonly links = new ShareLinks();
  /** The terminals its owner opened, by `host/name`, for guests to attach to; closed ones leave. */
  private readonly terminals = new Map<string, { host: HostName; name: string }>();
  /** The images a page asked to pull into this sandbox (pulls/), each pulled once. */
  readonly pullsAsked = new Set<string>();
  private readonly endController = new AbortController();
  /** Where the session's start waits for a slot (admission.ts); set for cold starts only. */
  private line: (() => SessionQueue | undefined) | undefined;

  constructor(
    readonly id: string,
    readonly clientAddress: string,
    readonly createdAt: Date,
    readonly expiresAt: Date,
  ) {
    this.lastInputAt = Date.now();
    // Each socket listens for the end; a few more listeners are the reaper's and the start's.
    setMaxListeners(MOST_SOCKETS + 8, this.endController.signal);
  }

  /** Who its sandbox and every host of it are for, as the driver records it. */
  get owner(): SandboxOwner {
    return { clientAddress: this.clientAddress, createdAt: this.createdAt, expiresAt: this.expiresAt };
  }

  /** Aborted, with the EndReason, when the session ends; terminals close on it. */
  get ended(): AbortSignal {
    return this.endController.signal;
  }

  end(reason: EndReason): void {
    this.endController.abort(reason);
    this.links.revokeAll();
  }

  /** Someone attached to a terminal (the owner, or a driver who opened it): every guest may too. */
  terminalOpened(host: HostName, name: string): void {
    if (this.terminals.has(`${host}/${name}`)) return;
    this.terminals.set(`${host}/${name}`, { host, name });
    this.links.changed();
  }

  /** A terminal's shell was ended (its tab closed), or its host removed when `name` is undefined. */
  terminalClosed(host: HostName, name?: string): void {
    for (const [key, terminal] of this.terminals) {
      if (terminal.host === host && (name === undefined || terminal.name === name))
        this.terminals.delete(key);
    }
    this.links.changed();
  }

  /** The terminals a guest may attach to, by host: those opened so far, node1's main always. */
  sharedTerminals(): { host: HostName; name: string }[] {
    const all = new Map([[`${FIRST_HOST}/main`, { host: FIRST_HOST, name: 'main' }], ...this.terminals]);
    return [...all.values()]
      .filter(({ host }) => this.hosts.has(host))
      .sort((a, b) => hostNumber(a.host) - hostNumber(b.host));
  }

  /** Terminal input counts as activity; nothing else does. */
  touch(): void {
    this.lastInputAt = Date.now();
  }

  /** The start waits in the admission queue, which says where it is in line. */
  waitsIn(place: () => SessionQueue | undefined): void {
    this.line = place;
  }

  /** The session's place in line while it waits for a start slot; undefined once it has one. */
  get queue(): SessionQueue | undefined {
    return this.state === 'starting' ? this.line?.() : undefined;
  }

  /** Settles when the host is ready (node1's is the session's start); undefined when there is no such host. */
  hostReady(host: HostName): Promise<void> | undefined {
    return host === FIRST_HOST ? this.ready : this.hosts.readyOf(host);
  }

  /** A host's state: node1's is the session's; an added host is `starting` until its start settles. */
  hostState(host: HostName): SessionState {
    return host === FIRST_HOST ? this.state : (this.hosts.stateOf(host) ?? 'starting');
  }

  /** One of this sandbox's hosts, by the name a request gave; `no_such_host` for any other text. */
  hostNamed(text: string): HostName {
    if (isHostName(text) && this.hosts.has(text)) return text;
    throw new ApiError('no_such_host', `This sandbox has no host ${JSON.stringify(text).slice(0, 40)}.`);
  }

  /** Its hosts as the API shows them, node1 first. */
  hostViews(): HostView[] {
    return this.hosts.names().map((name) => ({ name, state: this.hostState(name) }));
  }

  view(limits: { idleTimeoutSeconds: number; maxHosts: number }): SessionView {
    const view: SessionView = {
      state: this.state,
      expiresAt: this.expiresAt.toISOString(),
      idleTimeoutSeconds: limits.idleTimeoutSeconds,
      hosts: this.hostViews(),
      maxHosts: limits.maxHosts,
    };
    const { queue } = this;
    if (queue) view.queue = queue;
    return view;
  }
}
