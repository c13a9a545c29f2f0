/**
 * The terminal dock, loaded on the first Run: a row of tabs, one xterm per terminal of the reader's
 * sandbox (`main`, then `2`, `3`, … or a block's own `terminal=`). Each tab speaks the terminal
 * protocol of ARCHITECTURE.md over its own socket (./terminal-tab.ts). This element only wires the
 * markup of src/components/dock/Dock.astro to the parts that do the work: the session
 * (./sandbox-session.ts, its states in ./session-state.ts, shown by ./session-status.ts), the tabs
 * (./tab-row.ts), the layout (./dock-layout.ts), the port links (./port-links.ts) and the
 * question before interrupting a program (./interrupt-prompt.ts).
 *
 * It tells the page what happens, on `document`: `berth:session` ({state: 'ready' | 'ended'}),
 * `berth:command-end` ({terminal, exitCode}) after every command in any terminal, and, in a guest's
 * dock, `berth:shared` (the SharedSessionView) whenever the owner's sandbox or page changes. An
 * owner's dock listens for `berth:page-results` ({path, results}) to tell its guests (../sharing/).
 */

import type { Terminal } from '@xterm/xterm';
import { FileTransfer } from './file-transfer.ts';
import { preferScreenReader, screenReaderPreferred } from './screen-reader.ts';
import { bindTouchKeys } from './touch-keys.ts';
import '@xterm/xterm/css/xterm.css';
import './dock.css';
import type { SharedSessionView } from '../../sandbox-server/src/contract/index.ts';
import { type HostName, hostNumber } from '../../sandbox-server/src/sandboxes/hosts.ts';
import type { BlockMeta } from '../blocks/block-meta.ts';
import { type GuestLink, guestLink, leaveGuestMode, nameAsGuest } from '../sharing/guest-mode.ts';
import type { OwnerPage } from '../sharing/share-api.ts';
import { SharePanel } from '../sharing/share-panel.ts';
import { SharedFeed } from '../sharing/shared-feed.ts';
import { DockLayout } from './dock-layout.ts';
import { cloneTemplate, partOf } from './dock-markup.ts';
import { DOCK_OPENED_KEY } from './dock-opened.ts';
import { InterruptPrompt } from './interrupt-prompt.ts';
import { PortLinks } from './port-links.ts';
import { SandboxSession } from './sandbox-session.ts';
import { addHosts, deleteTerminal, removeHost } from './session-api.ts';
import { restartsOnRun } from './session-state.ts';
import { SessionStatus } from './session-status.ts';
import { TabRow } from './tab-row.ts';
import { rendererLoaded } from './terminal-render.ts';
import type { RunResult, TabHost, TerminalTab } from './terminal-tab.ts';
import { FIRST_HOST, MAIN_TERMINAL, nextTerminalName, tabFor, terminalOf } from './terminal-tabs.ts';
import { siteTheme, terminalThemes } from './themes.ts';

/** A watcher's typing is refused by the server; the note says so for this long after the last try. */
const READ_ONLY_NOTE_MS = 4000;

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
    refused: (message) => this.#noteBriefly(message),
    terminalGone: (name) => {
      if (this.#tabs.close(name)) this.#session.wake();
    },
    openPort: (port, path) => {
      // Opened from the click itself (a popup blocker lets that through): the ports known now.
      const url = this.#ports.urlOf(port);
      // Under the preview's own address, which has a path of its own: `/index.html` is within it.
      const within = url && new URL(path.replace(/^\/+/, ''), url.endsWith('/') ? url : `${url}/`).href;
      if (within) window.open(within, '_blank', 'noopener');
      else
        this.#noteBriefly(
          `Port ${port} is not published in your sandbox: a container publishes it with -p ${port}:…, and its preview opens then.`,
        );
    },
  };
  /** The link this dock is a guest through; undefined in the reader's own sandbox. */
  readonly #guest: GuestLink | undefined = guestLink();
  readonly #feed: SharedFeed | undefined;
  readonly #share: SharePanel | undefined;
  readonly #readOnly: HTMLElement;
  #readOnlyTimer: number | undefined;
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
        guest: this.#guest !== undefined,
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
      guest: this.#guest !== undefined,
    });
    this.#readOnly = partOf(this, '[data-dock-notice="read-only"]');
    if (this.#guest) {
      const guest = this.#guest;
      this.dataset.guest = guest.kind;
      partOf(this, '.berth-dock-guest').textContent =
        guest.kind === 'watch' ? 'Watching a shared sandbox' : 'Driving a shared sandbox with its owner';
      this.#feed = new SharedFeed(guest, {
        shared: (view) => this.#followOwner(view),
        ended: (message) => this.#session.ended(message),
      });
      const name = partOf<HTMLInputElement>(this, '.berth-dock-guest-name input');
      name.value = guest.name;
      name.addEventListener('change', () => {
        nameAsGuest(name.value);
        this.#feed?.rename(name.value);
      });
    } else {
      const share = new SharePanel(
        {
          panel: partOf(this, '.berth-dock-share'),
          toggle: partOf<HTMLButtonElement>(this, '[data-dock-action="share"]'),
          list: partOf(this, '.berth-share-links'),
          error: partOf(this, '.berth-share-error'),
        },
        () => this.sandbox,
      );
      this.#share = share;
      document.addEventListener('berth:session', (event) => {
        const { state } = (event as CustomEvent<{ state: string }>).detail;
        if (state === 'ready') share.ready();
        else share.ended();
      });
      document.addEventListener('berth:page-results', (event) =>
        share.report((event as CustomEvent<OwnerPage>).detail),
      );
    }
    const find = partOf<HTMLInputElement>(this, 'input[type="search"]');
    find.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') this.#tabs.current.find(find.value, event.shiftKey);
    });
    this.addEventListener('click', (event) => this.#act(event));
    bindTouchKeys(partOf(this, '.berth-dock-keys'), () => this.#tabs.current);
    if (!this.#guest) {
      const files = partOf(this, '.berth-dock-files');
      new FileTransfer(
        {
          dock: this,
          pickers: [...files.querySelectorAll<HTMLInputElement>('[data-files-pick]')],
          form: partOf<HTMLFormElement>(files, 'form'),
          path: partOf<HTMLInputElement>(files, 'input[name="path"]'),
          progress: partOf<HTMLProgressElement>(files, 'progress'),
          status: partOf(files, '.berth-files-status'),
        },
        () => this.#tabs.current.name,
      );
    }
    partOf(this, '[data-dock-action="screen-reader"]').setAttribute(
      'aria-pressed',
      String(screenReaderPreferred()),
    );
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

  /** Opens the reader's sandbox: a new one when `create`, else only the one the cookie names. A guest's is the owner's. */
  start(create: boolean): Promise<void> {
    if (!this.#guest) return this.#session.start(create);
    this.#feed?.connect();
    return this.#session.start(false);
  }

  /** The link this dock is a guest through, if it is a guest's. */
  get guest(): GuestLink | undefined {
    return this.#guest;
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
    if (this.#guest && (restartsOnRun(this.#session.state) || onOtherHost)) {
      throw new Error(
        onOtherHost ? "a guest runs blocks on the owner's node1 only" : 'the shared sandbox has ended',
      );
    }
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
    if (this.#guest) return; // the owner's shells are the owner's to end
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

  /**
   * A guest's tabs are the owner's terminals: each the owner opened gets one, each the owner
   * closed goes. The page hears the rest (the owner's page and results) as `berth:shared`.
   */
  #followOwner(view: SharedSessionView): void {
    const shared = view.terminals.map(({ host, name }) => tabFor(host, name));
    for (const name of this.#tabs.names) if (!shared.includes(name)) this.#tabs.close(name);
    for (const name of shared) {
      try {
        this.openTerminal(name);
      } catch {
        // past the tabs a dock holds: the owner's first ones show
      }
    }
    document.dispatchEvent(new CustomEvent('berth:shared', { detail: view }));
  }

  /** A note for a few seconds: a watcher's typing refused, a port link with no preview. */
  #noteBriefly(message: string): void {
    partOf(this.#readOnly, 'p').textContent = message;
    this.#readOnly.hidden = false;
    window.clearTimeout(this.#readOnlyTimer);
    this.#readOnlyTimer = window.setTimeout(() => {
      this.#readOnly.hidden = true;
    }, READ_ONLY_NOTE_MS);
  }

  #toggleScreenReader(target: HTMLElement): void {
    const on = !screenReaderPreferred();
    preferScreenReader(on);
    target.closest('button')?.setAttribute('aria-pressed', String(on));
    for (const tab of this.#tabs.all()) tab.terminal.options.screenReaderMode = on;
  }

  /** Stops being a guest: this tab is the reader's own again, with no dock until they Run. */
  #leave(): void {
    this.#feed?.stop();
    for (const tab of this.#tabs.all()) tab.disconnect();
    leaveGuestMode();
    sessionStorage.removeItem(DOCK_OPENED_KEY);
    location.reload();
  }

  #act(event: MouseEvent): void {
    const action = (event.target as HTMLElement).closest<HTMLElement>('[data-dock-action]')?.dataset
      .dockAction;
    if (action === 'stop') this.#tabs.current.interrupt();
    else if (action === 'screen-reader') this.#toggleScreenReader(event.target as HTMLElement);
    else if (action === 'collapse') this.#layout.setCollapsed(!this.#layout.collapsed);
    else if (action === 'leave' || (action === 'retry' && this.#guest)) this.#leave();
    else if (this.#guest)
      return; // nothing below is a guest's to do
    else if (action === 'reset') void this.#session.reset();
    else if (action === 'retry') void this.start(true);
    else if (action === 'share-watch') void this.#share?.make('watch');
    else if (action === 'share-drive') void this.#share?.make('drive');
    else if (action === 'revoke-all') void this.#share?.revokeAll();
    else if (action === 'new-host') void this.#addHost();
    else if (action === 'new-terminal') {
      const name = nextTerminalName(this.#tabs.names);
      this.openTerminal(name);
      this.show(name);
      this.#tabs.current.terminal.focus();
    }
  }
}

/**
 * The page's one dock, made from its markup on first use; `create` starts a sandbox when none
 * lives. It waits for the terminals' renderer, so none of them switches renderer once open.
 */
export async function openDock(create: boolean): Promise<BerthDock> {
  await rendererLoaded;
  if (!customElements.get('berth-dock')) customElements.define('berth-dock', BerthDock);
  let dock = document.querySelector<BerthDock>('berth-dock');
  if (!dock) {
    dock = partOf<BerthDock>(cloneTemplate('berth-dock'), 'berth-dock');
    document.body.append(dock);
    void dock.start(create);
  }
  return dock;
}
