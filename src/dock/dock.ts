/**
 * The terminal dock: one xterm attached to the reader's sandbox, loaded on the first Run. It
 * speaks the terminal protocol of ARCHITECTURE.md, follows the shell's OSC 133 marks to know when
 * a command ends, and survives navigation and reloads by reattaching to the same named shell.
 */
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import './dock.css';
import type { ServerMessage } from '../../sandbox-server/src/terminals/protocol.ts';
import { type BlockMeta, ENDING_KEYS, lastCodeExpected } from '../blocks/block-meta.ts';
import {
  currentSession,
  deleteSession,
  ensureSession,
  SandboxUnavailable,
  type SessionView,
} from './session-api.ts';
import { ShellMarks } from './shell-marks.ts';
import { siteTheme, terminalThemes } from './themes.ts';

export type DockState =
  | 'starting'
  | 'ready'
  | 'reconnecting'
  | 'capacity'
  | 'limit'
  | 'expired'
  | 'unavailable';
/** `ok`: every command but the last ended with 0, and the last as the block declares. */
export type RunResult = { outcome: 'ran'; code: number; ok: boolean } | { outcome: 'cancelled' };

const TERMINAL_NAME = 'main';
const LAYOUT_KEY = 'berth-dock-layout';
const MIN_HEIGHT = 160;
const MAX_RECONNECT_DELAY_MS = 15_000;
const FAILED: ReadonlySet<DockState> = new Set(['capacity', 'limit', 'expired', 'unavailable']);

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
  /** Public so tests (and later views) can read the buffer: `dock.terminal.buffer.active`. */
  readonly terminal = new Terminal({
    cursorBlink: true,
    fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
    fontSize: 14,
    scrollback: 5000,
    theme: terminalThemes[siteTheme()],
  });
  private readonly fit = new FitAddon();
  private readonly search = new SearchAddon();
  private readonly marks = new ShellMarks();
  private readonly encoder = new TextEncoder();
  private socket: WebSocket | undefined;
  private state: DockState = 'starting';
  private failure = '';
  private layout = readLayout();
  private reconnectDelayMs = 1000;
  private retryTimer: number | undefined;
  private progressTimer: number | undefined;
  private startedAt = 0;
  private activeRun: { cancelled: boolean } | undefined;
  /** Output since the last command was typed, for blocks that end on a pattern. */
  private recent = '';
  private readonly decoder = new TextDecoder();
  /** Which sandbox this is (its expiry time is unique enough), so progress is kept per sandbox. */
  sandbox: string | undefined;
  private readonly stateWaiters = new Set<() => boolean>();
  private readonly parts = {
    status: document.createElement('span'),
    progress: document.createElement('progress'),
    notice: document.createElement('div'),
    screen: document.createElement('div'),
    handle: document.createElement('div'),
    collapse: button('Collapse', 'collapse'),
    find: document.createElement('input'),
  };

  connectedCallback(): void {
    if (this.parts.screen.isConnected) return;
    this.build();
    this.terminal.loadAddon(this.fit);
    this.terminal.loadAddon(this.search);
    this.terminal.loadAddon(new WebLinksAddon());
    this.terminal.open(this.parts.screen);
    this.terminal.parser.registerOscHandler(133, (data) => {
      this.marks.mark(data);
      this.wake();
      return true;
    });
    this.terminal.onData((data) => this.send(this.encoder.encode(data)));
    this.terminal.onBinary((data) => this.send(Uint8Array.from(data, (c) => c.charCodeAt(0))));
    this.terminal.onResize(({ cols, rows }) => this.control({ type: 'resize', cols, rows }));
    new ResizeObserver(() => this.refit()).observe(this.parts.screen);
    new MutationObserver(() => {
      this.terminal.options.theme = terminalThemes[siteTheme()];
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
        this.fail('expired', 'Your sandbox has ended. Start a new one to run commands again.');
        return;
      }
      this.sandbox = view.expiresAt;
      this.dispatchEvent(new CustomEvent('berth-sandbox', { detail: view.expiresAt }));
    } catch (error) {
      if (!(error instanceof SandboxUnavailable)) throw error;
      this.fail(error.kind, error.message, error.retryAfterSeconds);
      return;
    }
    this.openSocket();
  }

  /**
   * Types a block's commands one at a time, each after the previous one ended; stops at a failure.
   * A last command that does not end by itself is ended as the block says (`meta.ending`).
   */
  async run(commands: string[], meta: BlockMeta = {}): Promise<RunResult> {
    this.setCollapsed(false);
    if (this.state === 'expired' || this.state === 'unavailable') await this.start(true);
    await this.usable();
    if (this.activeRun || this.marks.state === 'running') {
      if (!(await this.confirmInterrupt())) return { outcome: 'cancelled' };
      if (this.activeRun) this.activeRun.cancelled = true;
      this.send(this.encoder.encode('\x03'));
      await this.marks.prompt();
    }
    const run = { cancelled: false };
    this.activeRun = run;
    try {
      let code = 0;
      for (const [index, command] of commands.entries()) {
        await this.marks.prompt();
        if (run.cancelled) return { outcome: 'cancelled' };
        const end = this.marks.commandEnd();
        this.recent = '';
        // A terminal sends Enter as CR; heredoc and continuation lines go the same way.
        this.send(this.encoder.encode(`${command.replace(/\n/g, '\r')}\r`));
        if (meta.ending && index === commands.length - 1) await this.endAsTheReader(meta, run);
        code = await end;
        if (run.cancelled) return { outcome: 'cancelled' };
        if (index < commands.length - 1 && code !== 0) return { outcome: 'ran', code, ok: false };
      }
      return { outcome: 'ran', code, ok: lastCodeExpected(meta, code) };
    } finally {
      if (this.activeRun === run) this.activeRun = undefined;
    }
  }

  /** Waits for the block's pattern (or time), then types its ending keys, unless the run was stopped. */
  private async endAsTheReader(meta: BlockMeta, run: { cancelled: boolean }): Promise<void> {
    const until = meta.until === undefined ? undefined : new RegExp(meta.until, 'm');
    await new Promise<void>((resolve) => {
      const check = () => {
        const started = this.marks.state === 'running' || this.recent.length > 0;
        if (run.cancelled || (until ? until.test(this.recent) : started)) {
          resolve();
          return true;
        }
        return false;
      };
      if (check()) return;
      const poll = window.setInterval(() => {
        if (check()) window.clearInterval(poll);
      }, 100);
    });
    if (meta.after) await new Promise((resolve) => window.setTimeout(resolve, (meta.after ?? 0) * 1000));
    if (!run.cancelled && meta.ending) this.send(this.encoder.encode(ENDING_KEYS[meta.ending]));
  }

  private build(): void {
    const { status, progress, notice, screen, handle, collapse, find } = this.parts;
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
    find.type = 'search';
    find.placeholder = 'Find';
    find.setAttribute('aria-label', 'Find in the terminal');
    find.addEventListener('keydown', (event) => {
      if (event.key !== 'Enter') return;
      if (event.shiftKey) this.search.findPrevious(find.value);
      else this.search.findNext(find.value);
    });
    const stop = button('Stop', 'stop');
    stop.title = 'Send Ctrl-C to the running command';
    const reset = button('Reset sandbox', 'reset');
    reset.title = 'Remove this sandbox and start a fresh one';
    collapse.setAttribute('aria-expanded', 'true');
    bar.append(title, status, progress, find, stop, reset, collapse);
    bar.addEventListener('click', (event) => {
      const action = (event.target as HTMLElement).closest<HTMLElement>('[data-dock-action]')?.dataset
        .dockAction;
      if (action === 'stop') {
        if (this.activeRun) this.activeRun.cancelled = true;
        this.send(this.encoder.encode('\x03'));
      } else if (action === 'reset') void this.reset();
      else if (action === 'collapse') this.setCollapsed(!this.layout.collapsed);
    });

    notice.className = 'berth-dock-notice';
    notice.hidden = true;
    screen.className = 'berth-dock-screen';
    this.append(handle, bar, notice, screen);
  }

  private openSocket(): void {
    this.socket?.close();
    this.marks.reset();
    const url = new URL(
      `/api/session/terminals/${TERMINAL_NAME}?cols=${this.terminal.cols}&rows=${this.terminal.rows}`,
      window.location.href,
    );
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    let shellExited = false;
    let sessionEnded = false;
    socket.addEventListener('open', () => {
      this.reconnectDelayMs = 1000;
    });
    socket.addEventListener('message', (event) => {
      if (typeof event.data !== 'string') {
        const bytes = new Uint8Array(event.data as ArrayBuffer);
        this.terminal.write(bytes);
        this.recent = (this.recent + this.decoder.decode(bytes, { stream: true })).slice(-65536);
        return;
      }
      const message = JSON.parse(event.data) as ServerMessage;
      if (message.type === 'status') this.setState(message.state === 'ready' ? 'ready' : 'starting');
      else if (message.type === 'exit') {
        shellExited = true;
        this.terminal.write(`\r\n[the shell exited with code ${message.code}; starting a new one]\r\n`);
      } else if (message.code.startsWith('session_')) sessionEnded = true;
    });
    socket.addEventListener('close', () => {
      if (this.socket !== socket) return; // replaced on purpose
      this.socket = undefined;
      if (sessionEnded)
        this.fail('expired', 'Your sandbox has ended. Start a new one to run commands again.');
      else if (shellExited) this.openSocket();
      else this.reconnectLater();
    });
  }

  /** After an unexpected close: wait, ask whether the session still lives, then reattach. */
  private reconnectLater(): void {
    this.setState('reconnecting');
    const delay = this.reconnectDelayMs;
    this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, MAX_RECONNECT_DELAY_MS);
    this.retryTimer = window.setTimeout(async () => {
      try {
        if (await currentSession()) this.openSocket();
        else this.fail('expired', 'Your sandbox has ended. Start a new one to run commands again.');
      } catch {
        this.reconnectLater();
      }
    }, delay);
  }

  private async reset(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    socket?.close();
    if (this.activeRun) this.activeRun.cancelled = true;
    await deleteSession();
    this.terminal.reset();
    await this.start(true);
  }

  private fail(state: DockState, message: string, retryAfterSeconds?: number): void {
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
    this.wake();
  }

  /** Resolves once the shell is at a prompt; rejects with the reason when no sandbox can be had. */
  private usable(): Promise<void> {
    const check = (resolve: () => void, reject: (error: Error) => void) => {
      if (FAILED.has(this.state)) {
        reject(new SandboxUnavailable('unavailable', this.failure));
        return true;
      }
      if (this.state === 'ready' && this.marks.state !== 'unknown') {
        resolve();
        return true;
      }
      return false;
    };
    return new Promise((resolve, reject) => {
      if (check(resolve, reject)) return;
      const waiter = () => check(resolve, reject);
      this.stateWaiters.add(waiter);
    });
  }

  private wake(): void {
    for (const waiter of [...this.stateWaiters]) if (waiter()) this.stateWaiters.delete(waiter);
  }

  private confirmInterrupt(): Promise<boolean> {
    const { notice } = this.parts;
    notice.replaceChildren();
    const text = document.createElement('p');
    text.textContent = 'A command is still running in the sandbox. Interrupt it (Ctrl-C) and run this block?';
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

  private send(bytes: Uint8Array): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(bytes);
  }

  private control(message: object): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private refit(): void {
    if (!this.layout.collapsed && this.parts.screen.clientHeight > 0) this.fit.fit();
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
