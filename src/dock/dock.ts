/**
 * The terminal dock, loaded on the first Run: a row of tabs, one xterm per terminal of the reader's
 * sandbox (`main`, then `2`, `3`, … or a block's own `terminal=`). Each tab speaks the terminal
 * protocol of ARCHITECTURE.md over its own socket (./terminal-tab.ts); the dock owns the session,
 * its state, the toolbar with the published ports' links, and what survives navigation and reloads.
 *
 * It tells the page what happens, on `document`: `berth:session` ({state: 'ready' | 'ended'}) and
 * `berth:command-end` ({terminal, exitCode}) after every command in any terminal.
 */
import type { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import './dock.css';
import type { PreviewPort } from '../../sandbox-server/src/contract/index.ts';
import type { BlockMeta } from '../blocks/block-meta.ts';
import {
  currentSession,
  deleteSession,
  deleteTerminal,
  ensureSession,
  publishedPorts,
  SandboxUnavailable,
  type SessionView,
} from './session-api.ts';
import { type RunResult, type TabHost, TerminalTab } from './terminal-tab.ts';
import {
  MAIN_TERMINAL,
  MAX_TABS,
  nextTerminalName,
  parseOpenTabs,
  tabAfterClosing,
  tabForKey,
  tabRefusal,
} from './terminal-tabs.ts';
import { siteTheme, terminalThemes } from './themes.ts';

export type { RunResult } from './terminal-tab.ts';

export type DockState =
  | 'starting'
  | 'ready'
  | 'reconnecting'
  | 'capacity'
  | 'limit'
  | 'expired'
  | 'unavailable';

/** The events the dock dispatches on `document`, for views that follow the sandbox. */
export type SessionEventDetail = { state: 'ready' | 'ended' };
export type CommandEndEventDetail = { terminal: string; exitCode: number };

const LAYOUT_KEY = 'berth-dock-layout';
const TABS_KEY = 'berth-dock-terminals';
const MIN_HEIGHT = 160;
const FAILED: ReadonlySet<DockState> = new Set(['capacity', 'limit', 'expired', 'unavailable']);
const START_AGAIN_TEXT = 'Start a new one to run commands again.';
const ENDED_TEXT = `Your sandbox has ended. ${START_AGAIN_TEXT}`;

const STATE_TEXT: Record<DockState, string> = {
  starting: 'Starting your sandbox…',
  ready: 'Ready',
  reconnecting: 'Reconnecting…',
  capacity: 'Every sandbox is taken',
  limit: 'Too many sandboxes',
  expired: 'Sandbox ended',
  unavailable: 'Sandbox unavailable',
};

type Layout = { height: number; collapsed: boolean };

function readLayout(): Layout {
  try {
    const saved = JSON.parse(sessionStorage.getItem(LAYOUT_KEY) ?? '{}') as Partial<Layout>;
    return {
      height: typeof saved.height === 'number' ? saved.height : Math.round(window.innerHeight * 0.4),
      collapsed: saved.collapsed === true,
    };
  } catch {
    return { height: Math.round(window.innerHeight * 0.4), collapsed: false };
  }
}

function button(label: string, action: string): HTMLButtonElement {
  const element = document.createElement('button');
  element.type = 'button';
  element.textContent = label;
  element.dataset.dockAction = action;
  return element;
}

export class BerthDock extends HTMLElement {
  /** Open terminals in tab order (a Map keeps insertion order); `main` is first and never closes. */
  private readonly tabs = new Map<string, TerminalTab>();
  private shown = MAIN_TERMINAL;
  /** A session exists: tabs may attach. Until then, a new tab waits for `start`. */
  private live = false;
  private state: DockState = 'starting';
  /** What `berth:session` last said, so a reconnect does not announce the same sandbox twice. */
  private announced: SessionEventDetail['state'] | undefined;
  private failure = '';
  private layout = readLayout();
  private retryTimer: number | undefined;
  private progressTimer: number | undefined;
  private startedAt = 0;
  private portsRequest: Promise<void> | undefined;
  private portsAgain = false;
  /** Bumped when a sandbox ends, so its ports, if they arrive later, are not shown for the next one. */
  private endedSandboxes = 0;
  /** Which sandbox this is (its expiry time is unique enough), so progress is kept per sandbox. */
  sandbox: string | undefined;
  private readonly stateWaiters = new Set<() => boolean>();
  private readonly parts = {
    status: document.createElement('span'),
    progress: document.createElement('progress'),
    ports: document.createElement('span'),
    notice: document.createElement('div'),
    tabRow: document.createElement('div'),
    tablist: document.createElement('div'),
    screen: document.createElement('div'),
    handle: document.createElement('div'),
    collapse: button('Collapse', 'collapse'),
    find: document.createElement('input'),
    add: button('+', 'new-terminal'),
  };
  private readonly host: TabHost = {
    sandboxStatus: (state) => this.setState(state),
    sessionEnded: (why) => this.fail('expired', why ? `${why} ${START_AGAIN_TEXT}` : ENDED_TEXT),
    reconnecting: () => this.setState('reconnecting'),
    commandEnded: (terminal, exitCode) => {
      const detail: CommandEndEventDetail = { terminal, exitCode };
      document.dispatchEvent(new CustomEvent('berth:command-end', { detail }));
      this.refreshPorts();
    },
    marked: () => this.wake(),
  };

  /** The xterm of the tab shown now; tests read its buffer: `dock.terminal.buffer.active`. */
  get terminal(): Terminal {
    return this.current.terminal;
  }

  /** The open terminals, in tab order. */
  get terminalNames(): string[] {
    return [...this.tabs.keys()];
  }

  get shownTerminal(): string {
    return this.shown;
  }

  private get current(): TerminalTab {
    const tab = this.tabs.get(this.shown) ?? this.tabs.get(MAIN_TERMINAL);
    if (!tab) throw new Error('the dock has no main terminal');
    return tab;
  }

  connectedCallback(): void {
    if (this.parts.screen.isConnected) return;
    this.build();
    const saved = parseOpenTabs(sessionStorage.getItem(TABS_KEY));
    for (const name of saved.names) this.openTerminal(name);
    this.show(saved.shown);
    new ResizeObserver(() => this.refit()).observe(this.parts.screen);
    new MutationObserver(() => {
      for (const tab of this.tabs.values()) tab.setTheme(terminalThemes[siteTheme()]);
    }).observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    this.applyLayout();
  }

  /** Opens the reader's sandbox: a new one when `create`, else only the one the cookie names. */
  async start(create: boolean): Promise<void> {
    window.clearTimeout(this.retryTimer);
    this.setState('starting');
    try {
      const view: SessionView | undefined = create ? await ensureSession() : await currentSession();
      if (!view) {
        this.fail('expired', ENDED_TEXT);
        return;
      }
      this.sandbox = view.expiresAt;
      this.dispatchEvent(new CustomEvent('berth-sandbox', { detail: view.expiresAt }));
    } catch (error) {
      if (!(error instanceof SandboxUnavailable)) throw error;
      this.fail(error.kind, error.message, error.retryAfterSeconds);
      return;
    }
    this.live = true;
    for (const tab of this.tabs.values()) tab.connect();
  }

  /**
   * Runs a block in its terminal (`meta.terminal`, default `main`), opening and showing that tab:
   * its commands one at a time, each after the previous one ended, stopping at a failure.
   * A terminal that may not be opened (a wrong name, too many tabs) throws before anything starts.
   */
  async run(commands: string[], meta: BlockMeta = {}, inputs?: string[][]): Promise<RunResult> {
    const name = meta.terminal ?? MAIN_TERMINAL;
    const tab = this.openTerminal(name);
    this.show(name);
    this.setCollapsed(false);
    if (this.state === 'expired' || this.state === 'unavailable') await this.start(true);
    await this.usable(tab);
    if (tab.busy) {
      if (!(await this.confirmInterrupt())) return { outcome: 'cancelled' };
      tab.interrupt();
      await tab.marks.prompt();
    }
    return tab.run(commands, meta, inputs);
  }

  /**
   * Opens a terminal's tab (attached at once when the sandbox is there), or returns the open one.
   * Every new tab comes through here ("+", a block's `terminal=`, tabs restored after a reload),
   * so this is where a wrong name or a tab past MAX_TABS is refused.
   */
  openTerminal(name: string): TerminalTab {
    const open = this.tabs.get(name);
    if (open) return open;
    const refusal = tabRefusal(this.terminalNames, name);
    if (refusal) throw new Error(refusal);
    // A new shell starts at the size the shown one has, so its first lines are laid out right.
    const shown = this.tabs.get(this.shown)?.terminal;
    const tab = new TerminalTab(name, this.host, {
      cols: shown?.cols ?? 80,
      rows: shown?.rows ?? 24,
      theme: terminalThemes[siteTheme()],
    });
    this.tabs.set(name, tab);
    this.parts.tablist.append(tab.tab, ...(tab.closer ? [tab.closer] : []));
    this.parts.screen.append(tab.panel);
    if (this.live) tab.connect();
    this.saveTabs();
    return tab;
  }

  /** Shows one terminal's tab and hides the others. */
  show(name: string): void {
    if (!this.tabs.has(name)) return;
    this.shown = name;
    for (const tab of this.tabs.values()) tab.setShown(tab.name === name);
    this.refit();
    this.saveTabs();
  }

  /** Closes a tab and ends its shell and whatever runs in it; `main` stays. */
  async closeTerminal(name: string): Promise<void> {
    const tab = this.tabs.get(name);
    if (!tab || name === MAIN_TERMINAL) return;
    if (this.shown === name) this.show(tabAfterClosing(this.terminalNames, name));
    this.tabs.delete(name);
    tab.dispose();
    this.saveTabs();
    this.wake(); // a run waiting for this terminal learns it is gone
    // Even when not attached (unavailable, reconnecting): the shell may live on in the sandbox, and
    // the next "+" would reattach to it. Without a session the server just says so.
    await deleteTerminal(name);
  }

  private build(): void {
    const { status, progress, ports, notice, tabRow, tablist, screen, handle, collapse, find, add } =
      this.parts;
    this.setAttribute('role', 'region');
    this.setAttribute('aria-label', 'Sandbox terminal');
    handle.className = 'berth-dock-handle';
    handle.tabIndex = 0;
    handle.setAttribute('role', 'separator');
    handle.setAttribute('aria-orientation', 'horizontal');
    handle.setAttribute('aria-label', 'Resize the terminal (arrow keys)');
    handle.addEventListener('pointerdown', (event) => this.dragResize(event));
    handle.addEventListener('keydown', (event) => {
      const step = event.key === 'ArrowUp' ? 24 : event.key === 'ArrowDown' ? -24 : 0;
      if (step === 0) return;
      event.preventDefault();
      this.setHeight(this.layout.height + step);
    });

    const bar = document.createElement('div');
    bar.className = 'berth-dock-bar';
    const title = document.createElement('strong');
    title.textContent = 'Sandbox';
    status.className = 'berth-dock-status';
    status.setAttribute('role', 'status');
    progress.className = 'berth-dock-progress';
    progress.setAttribute('aria-label', 'Starting the sandbox');
    ports.className = 'berth-dock-ports';
    ports.hidden = true;
    find.type = 'search';
    find.placeholder = 'Find';
    find.setAttribute('aria-label', 'Find in the terminal');
    find.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') this.current.find(find.value, event.shiftKey);
    });
    const stop = button('Stop', 'stop');
    stop.title = 'Send Ctrl-C to the running command';
    const reset = button('Reset sandbox', 'reset');
    reset.title = 'Remove this sandbox and start a fresh one';
    collapse.setAttribute('aria-expanded', 'true');
    bar.append(title, status, progress, ports, find, stop, reset, collapse);
    bar.addEventListener('click', (event) => {
      const action = (event.target as HTMLElement).closest<HTMLElement>('[data-dock-action]')?.dataset
        .dockAction;
      if (action === 'stop') this.current.interrupt();
      else if (action === 'reset') void this.reset();
      else if (action === 'collapse') this.setCollapsed(!this.layout.collapsed);
    });

    tabRow.className = 'berth-dock-tabs';
    tablist.setAttribute('role', 'tablist');
    tablist.setAttribute('aria-label', 'Terminals');
    tablist.addEventListener('click', (event) => {
      const target = event.target as HTMLElement;
      const closing = target.closest<HTMLElement>('[data-close]')?.dataset.close;
      if (closing) void this.closeTerminal(closing);
      const name = target.closest<HTMLElement>('[role="tab"]')?.dataset.terminal;
      if (name) this.show(name);
    });
    tablist.addEventListener('keydown', (event) => {
      const name = (event.target as HTMLElement).closest<HTMLElement>('[role="tab"]')?.dataset.terminal;
      if (!name) return;
      const next =
        event.key === 'Delete' && name !== MAIN_TERMINAL
          ? tabAfterClosing(this.terminalNames, name)
          : tabForKey(this.terminalNames, name, event.key);
      if (!next) return;
      event.preventDefault();
      if (event.key === 'Delete') void this.closeTerminal(name);
      this.show(next);
      this.tabs.get(next)?.tab.focus();
    });
    add.setAttribute('aria-label', 'New terminal');
    add.title = 'Open another terminal in the same sandbox';
    add.addEventListener('click', () => {
      const name = nextTerminalName(this.terminalNames);
      this.openTerminal(name);
      this.show(name);
      this.current.terminal.focus();
    });
    tabRow.append(tablist, add);

    notice.className = 'berth-dock-notice';
    notice.hidden = true;
    screen.className = 'berth-dock-screen';
    this.append(handle, bar, notice, tabRow, screen);
  }

  private saveTabs(): void {
    this.parts.add.disabled = this.tabs.size >= MAX_TABS;
    sessionStorage.setItem(TABS_KEY, JSON.stringify({ names: this.terminalNames, shown: this.shown }));
  }

  /** A new or ended sandbox has only `main`: other shells went with the old one. */
  private closeAllButMain(): void {
    for (const tab of this.tabs.values()) {
      if (tab.name === MAIN_TERMINAL) continue;
      this.tabs.delete(tab.name);
      tab.dispose();
    }
    this.show(MAIN_TERMINAL);
  }

  private async reset(): Promise<void> {
    this.live = false;
    for (const tab of this.tabs.values()) tab.disconnect();
    this.closeAllButMain();
    this.announce('ended');
    await deleteSession();
    this.current.terminal.reset();
    await this.start(true);
  }

  private announce(state: SessionEventDetail['state']): void {
    if (state === 'ended') {
      this.endedSandboxes++;
      this.showPorts([]);
    }
    if (this.announced === state) return;
    this.announced = state;
    const detail: SessionEventDetail = { state };
    document.dispatchEvent(new CustomEvent('berth:session', { detail }));
  }

  /** Asks for the published ports again; calls made meanwhile are folded into one more. */
  private refreshPorts(): void {
    if (this.portsRequest) {
      this.portsAgain = true;
      return;
    }
    this.portsRequest = (async () => {
      do {
        this.portsAgain = false;
        const sandbox = this.endedSandboxes;
        const ports = this.state === 'ready' ? await publishedPorts() : [];
        if (sandbox === this.endedSandboxes) this.showPorts(ports);
      } while (this.portsAgain);
    })().finally(() => {
      this.portsRequest = undefined;
    });
  }

  private showPorts(ports: PreviewPort[]): void {
    const links = ports.map((port) => {
      const link = document.createElement('a');
      link.href = port.url;
      link.target = '_blank';
      link.rel = 'noopener';
      link.textContent = `Open port ${port.port}`;
      link.title = `${port.container}, port ${port.containerPort}, in a new tab`;
      return link;
    });
    this.parts.ports.replaceChildren(...links);
    this.parts.ports.hidden = links.length === 0;
  }

  private fail(state: DockState, message: string, retryAfterSeconds?: number): void {
    this.live = false;
    for (const tab of this.tabs.values()) tab.disconnect();
    if (state === 'expired') {
      this.closeAllButMain();
      this.announce('ended');
    }
    this.failure = message;
    this.setState(state);
    const { notice } = this.parts;
    notice.replaceChildren();
    const text = document.createElement('p');
    text.textContent = message;
    notice.append(text);
    if (state === 'capacity' && retryAfterSeconds) {
      const at = new Date(Date.now() + retryAfterSeconds * 1000);
      text.textContent = `${message} Trying again at ${at.toLocaleTimeString()}.`;
      this.retryTimer = window.setTimeout(() => void this.start(true), retryAfterSeconds * 1000);
    }
    const again = button(state === 'expired' ? 'Start a new sandbox' : 'Try again', 'retry');
    again.addEventListener('click', () => void this.start(true));
    notice.append(again);
    notice.hidden = false;
  }

  private setState(state: DockState): void {
    const was = this.state;
    this.state = state;
    this.dataset.state = state;
    if (!FAILED.has(state)) this.parts.notice.hidden = true;
    const { status, progress } = this.parts;
    progress.hidden = state !== 'starting' && state !== 'reconnecting';
    window.clearInterval(this.progressTimer);
    status.textContent = FAILED.has(state) ? `${STATE_TEXT[state]}: ${this.failure}` : STATE_TEXT[state];
    if (state === 'starting') {
      this.startedAt = performance.now();
      this.progressTimer = window.setInterval(() => {
        const seconds = ((performance.now() - this.startedAt) / 1000).toFixed(1);
        status.textContent = `${STATE_TEXT.starting} ${seconds} s`;
      }, 200);
    }
    if (state === 'ready' && was !== 'ready') {
      this.announce('ready');
      this.refreshPorts();
    }
    this.wake();
  }

  /** Resolves once the tab's shell is at a prompt; rejects when no sandbox can be had or the tab closed. */
  private usable(tab: TerminalTab): Promise<void> {
    const check = (resolve: () => void, reject: (error: Error) => void) => {
      if (FAILED.has(this.state)) {
        reject(new SandboxUnavailable('unavailable', this.failure));
        return true;
      }
      if (this.tabs.get(tab.name) !== tab) {
        reject(new Error(`the terminal ${tab.name} was closed`));
        return true;
      }
      if (this.state === 'ready' && tab.marks.state !== 'unknown') {
        resolve();
        return true;
      }
      return false;
    };
    return new Promise((resolve, reject) => {
      if (check(resolve, reject)) return;
      this.stateWaiters.add(() => check(resolve, reject));
    });
  }

  private wake(): void {
    for (const waiter of [...this.stateWaiters]) if (waiter()) this.stateWaiters.delete(waiter);
  }

  private confirmInterrupt(): Promise<boolean> {
    const { notice } = this.parts;
    notice.replaceChildren();
    const text = document.createElement('p');
    text.textContent = `A command is still running in the terminal ${this.shown}. Interrupt it (Ctrl-C) and run this block?`;
    const yes = button('Interrupt and run', 'interrupt');
    const no = button('Cancel', 'cancel');
    notice.append(text, yes, no);
    notice.hidden = false;
    yes.focus();
    return new Promise((resolve) => {
      const answer = (value: boolean) => {
        notice.hidden = true;
        notice.removeEventListener('keydown', onKey);
        resolve(value);
      };
      const onKey = (event: KeyboardEvent) => {
        if (event.key === 'Escape') answer(false);
      };
      notice.addEventListener('keydown', onKey);
      yes.addEventListener('click', () => answer(true), { once: true });
      no.addEventListener('click', () => answer(false), { once: true });
    });
  }

  /** Fits the shown terminal, and gives the hidden ones its size: they share the same screen. */
  private refit(): void {
    if (this.layout.collapsed) return;
    const shown = this.current;
    shown.refit();
    const size = { cols: shown.terminal.cols, rows: shown.terminal.rows };
    for (const tab of this.tabs.values()) if (tab !== shown) tab.refit(size);
  }

  private dragResize(event: PointerEvent): void {
    event.preventDefault();
    const move = (e: PointerEvent) => this.setHeight(window.innerHeight - e.clientY);
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  }

  private setHeight(height: number): void {
    this.layout.height = Math.round(Math.min(Math.max(height, MIN_HEIGHT), window.innerHeight * 0.85));
    this.applyLayout();
  }

  private setCollapsed(collapsed: boolean): void {
    this.layout.collapsed = collapsed;
    this.applyLayout();
  }

  private applyLayout(): void {
    const { collapsed, height } = this.layout;
    this.toggleAttribute('data-collapsed', collapsed);
    this.parts.collapse.textContent = collapsed ? 'Expand' : 'Collapse';
    this.parts.collapse.setAttribute('aria-expanded', String(!collapsed));
    this.parts.screen.style.height = collapsed ? '0' : `${height}px`;
    // Keep the end of the page readable above the dock.
    document.body.style.paddingBottom = `${this.getBoundingClientRect().height}px`;
    sessionStorage.setItem(LAYOUT_KEY, JSON.stringify(this.layout));
    this.refit();
  }
}

/** The page's one dock, created on first use; `create` starts a sandbox when none lives. */
export function openDock(create: boolean): BerthDock {
  if (!customElements.get('berth-dock')) customElements.define('berth-dock', BerthDock);
  let dock = document.querySelector<BerthDock>('berth-dock');
  if (!dock) {
    dock = document.createElement('berth-dock') as BerthDock;
    document.body.append(dock);
    void dock.start(create);
  }
  return dock;
}
