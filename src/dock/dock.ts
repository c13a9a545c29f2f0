/**
 * The terminal dock, loaded on the first Run: a row of tabs, one xterm per terminal of the reader's
 * sandbox (`main`, then `2`, `3`, … or a block's own `terminal=`). Each tab speaks the terminal
 * protocol of ARCHITECTURE.md over its own socket (./terminal-tab.ts). This element only wires the
 * markup of src/components/dock/Dock.astro to the parts that do the work: the session
 * (./sandbox-session.ts, its states in ./session-state.ts, shown by ./session-status.ts), the tabs
 * (./tab-row.ts), the layout (./dock-layout.ts), the port links (./port-links.ts) and the
 * question before interrupting a program (./interrupt-prompt.ts).
 *
 * It tells the page what happens, on `document`: `berth:session` ({state: 'ready' | 'ended'}) and
 * `berth:command-end` ({terminal, exitCode}) after every command in any terminal.
 */
import type { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import './dock.css';
import { type HostName, hostNumber } from '../../sandbox-server/src/sandboxes/hosts.ts';
import type { BlockMeta } from '../blocks/block-meta.ts';
import { DockLayout } from './dock-layout.ts';
import { cloneTemplate, partOf } from './dock-markup.ts';
import { InterruptPrompt } from './interrupt-prompt.ts';
import { PortLinks } from './port-links.ts';
import { SandboxSession } from './sandbox-session.ts';
import { addHosts, deleteTerminal, removeHost } from './session-api.ts';
import { restartsOnRun } from './session-state.ts';
import { SessionStatus } from './session-status.ts';
import { TabRow } from './tab-row.ts';
import type { RunResult, TabHost, TerminalTab } from './terminal-tab.ts';
import { FIRST_HOST, MAIN_TERMINAL, nextTerminalName, tabFor, terminalOf } from './terminal-tabs.ts';
import { siteTheme, terminalThemes } from './themes.ts';

export type { RunResult } from './terminal-tab.ts';

/** `berth:command-end`, dispatched on `document` after every command in any terminal. */
type CommandEndEventDetail = { terminal: string; exitCode: number };

export class BerthDock extends HTMLElement {
  /** Which sandbox this is (its expiry time is unique enough), so progress is kept per sandbox. */
  sandbox: string | undefined;
  #restored = false;
  readonly #host: TabHost = {
    sandboxStatus: (state, queue) => this.#session.said(state, queue),
    sessionEnded: (why) => this.#session.ended(why),
    reconnecting: () => this.#session.reconnecting(),
    commandEnded: (terminal, exitCode) => {
      const detail: CommandEndEventDetail = { terminal, exitCode };
      document.dispatchEvent(new CustomEvent('berth:command-end', { detail }));
      this.#ports.refresh();
    },
    marked: () => this.#session.wake(),
    hostGone: (host) => {
      for (const tab of this.#tabs.names) if (terminalOf(tab).host === host) this.#tabs.close(tab);
      this.#session.wake();
    },
  };
  readonly #tabs: TabRow;
  readonly #layout: DockLayout;
  readonly #ports: PortLinks;
  readonly #interrupt: InterruptPrompt;
  readonly #session: SandboxSession;

  /** Made from Dock.astro's template (see openDock), so its markup is there already. */
  constructor() {
    super();
    const screen = partOf(this, '.berth-dock-screen');
    const add = partOf<HTMLButtonElement>(this, '[data-dock-action="new-terminal"]');
    this.#tabs = new TabRow(
      { tablist: partOf(this, '[role="tablist"]'), screen, add },
      {
        host: this.#host,
        theme: () => terminalThemes[siteTheme()],
        visible: () => !this.#layout.collapsed,
        closing: (name) => void this.closeTerminal(name),
      },
    );
    const handle = partOf(this, '.berth-dock-handle');
    const collapse = partOf<HTMLButtonElement>(this, '[data-dock-action="collapse"]');
    this.#layout = new DockLayout({ dock: this, handle, collapse, screen }, () => this.#tabs.refit());
    this.#ports = new PortLinks(partOf(this, '.berth-dock-ports'), () => this.#session.state === 'ready');
    this.#interrupt = new InterruptPrompt(partOf(this, '[data-dock-notice="interrupt"]'));
    const notice = partOf(this, '[data-dock-notice="failure"]');
    const status = new SessionStatus({
      dock: this,
      status: partOf(this, '.berth-dock-status'),
      progress: partOf<HTMLProgressElement>(this, '.berth-dock-progress'),
      notice,
      text: partOf(notice, 'p'),
      retry: partOf<HTMLButtonElement>(notice, '[data-dock-action="retry"]'),
    });
    this.#session = new SandboxSession({
      tabs: this.#tabs,
      ports: this.#ports,
      status,
      interrupt: this.#interrupt,
      opened: (sandbox) => {
        this.sandbox = sandbox;
        this.dispatchEvent(new CustomEvent('berth-sandbox', { detail: sandbox }));
      },
    });
    const find = partOf<HTMLInputElement>(this, 'input[type="search"]');
    find.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') this.#tabs.current.find(find.value, event.shiftKey);
    });
    this.addEventListener('click', (event) => this.#act(event));
  }

  /** The xterm of the tab shown now; tests read its buffer: `dock.terminal.buffer.active`. */
  get terminal(): Terminal {
    return this.#tabs.current.terminal;
  }

  /** The open terminals, in tab order. */
  get terminalNames(): string[] {
    return this.#tabs.names;
  }

  get shownTerminal(): string {
    return this.#tabs.shown;
  }

  connectedCallback(): void {
    if (this.#restored) return;
    this.#restored = true;
    this.#tabs.restore();
    new MutationObserver(() => this.#tabs.setTheme(terminalThemes[siteTheme()])).observe(
      document.documentElement,
      { attributes: true, attributeFilter: ['data-theme'] },
    );
    this.#layout.apply();
  }

  /** Opens the reader's sandbox: a new one when `create`, else only the one the cookie names. */
  start(create: boolean): Promise<void> {
    return this.#session.start(create);
  }

  /**
   * Runs a block in its terminal (`meta.terminal`, default `main`), opening and showing that tab:
   * its commands one at a time, each after the previous one ended, stopping at a failure.
   * A terminal that may not be opened (a wrong name, too many tabs) throws before anything starts.
   */
  async run(commands: string[], meta: BlockMeta = {}, inputs?: string[][]): Promise<RunResult> {
    const name = tabFor(meta.host, meta.terminal);
    const onOtherHost = meta.host !== undefined && meta.host !== FIRST_HOST;
    let tab = onOtherHost ? undefined : this.openTerminal(name);
    this.show(onOtherHost ? MAIN_TERMINAL : name);
    this.#layout.setCollapsed(false);
    if (restartsOnRun(this.#session.state)) await this.start(true);
    if (onOtherHost) {
      // A block on a host the reader does not have yet asks for it (and those numbered before it)
      // once the sandbox is there; its tab opens then, so it never knocks on a host not asked for.
      await this.#session.usable(this.openTerminal(MAIN_TERMINAL));
      await addHosts(hostNumber(meta.host as HostName));
      tab = this.openTerminal(name);
      this.show(name);
    }
    if (!tab) throw new Error(`no terminal ${name}`);
    await this.#session.usable(tab);
    if (tab.busy) {
      if (!(await this.#interrupt.ask(name))) return { outcome: 'cancelled' };
      tab.interrupt();
      await tab.marks.prompt();
    }
    return tab.run(commands, meta, inputs);
  }

  /** Opens a terminal's tab, attached at once when the sandbox is there, or returns the open one. */
  openTerminal(name: string): TerminalTab {
    return this.#tabs.open(name, this.#session.live);
  }

  show(name: string): void {
    this.#tabs.show(name);
  }

  /**
   * Closes a tab and ends its shell and whatever runs in it; `main` stays. Closing another
   * host's own tab (`node2`) removes that host, with every tab on it.
   */
  async closeTerminal(name: string): Promise<void> {
    const { host, name: terminal } = terminalOf(name);
    if (host !== FIRST_HOST && terminal === MAIN_TERMINAL) {
      for (const other of this.#tabs.names) if (terminalOf(other).host === host) this.#tabs.close(other);
      this.#session.wake();
      await removeHost(host);
      return;
    }
    if (!this.#tabs.close(name)) return;
    this.#session.wake(); // a run waiting for this terminal learns it is gone
    // Even when not attached (unavailable, reconnecting): the shell may live on in the sandbox, and
    // the next "+" would reattach to it. Without a session the server just says so.
    await deleteTerminal(name);
  }

  /** "+ host": one more host, its tab opened and shown as soon as the server takes the request. */
  async #addHost(): Promise<void> {
    try {
      const [host] = await addHosts();
      if (!host) return;
      this.openTerminal(host);
      this.show(host);
      this.#tabs.current.terminal.focus();
    } catch (error) {
      this.#tabs.current.terminal.write(`\r\n\x1b[33mNo host added: ${(error as Error).message}\x1b[0m\r\n`);
    }
  }

  #act(event: MouseEvent): void {
    const action = (event.target as HTMLElement).closest<HTMLElement>('[data-dock-action]')?.dataset
      .dockAction;
    if (action === 'stop') this.#tabs.current.interrupt();
    else if (action === 'reset') void this.#session.reset();
    else if (action === 'collapse') this.#layout.setCollapsed(!this.#layout.collapsed);
    else if (action === 'retry') void this.start(true);
    else if (action === 'new-host') void this.#addHost();
    else if (action === 'new-terminal') {
      const name = nextTerminalName(this.#tabs.names);
      this.openTerminal(name);
      this.show(name);
      this.#tabs.current.terminal.focus();
    }
  }
}

/** The page's one dock, made from its markup on first use; `create` starts a sandbox when none lives. */
export function openDock(create: boolean): BerthDock {
  if (!customElements.get('berth-dock')) customElements.define('berth-dock', BerthDock);
  let dock = document.querySelector<BerthDock>('berth-dock');
  if (!dock) {
    dock = partOf<BerthDock>(cloneTemplate('berth-dock'), 'berth-dock');
    document.body.append(dock);
    void dock.start(create);
  }
  return dock;
}
