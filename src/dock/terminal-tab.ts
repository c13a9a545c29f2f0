/**
 * One terminal of the dock: its tab, its xterm, its WebSocket to `/api/session/terminals/NAME`,
 * its shell marks and its own reconnect. The dock owns the session and the row of tabs; a tab
 * owns one shell in the sandbox and runs blocks in it.
 */
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { type ITheme, Terminal } from '@xterm/xterm';
import {
  isSessionEnded,
  parseShellMark,
  type ServerMessage,
} from '../../sandbox-server/src/contract/index.ts';
import type { BlockMeta } from '../blocks/block-meta.ts';
import { BlockRun, type BlockVerdict } from '../blocks/block-run.ts';
import { sitePath } from '../links/site-path.ts';
import { cloneTemplate, partOf } from './dock-markup.ts';
import { screenReaderPreferred } from './screen-reader.ts';
import { currentSession, type SandboxView, type SessionQueue } from './session-api.ts';
import { ShellMarks } from './shell-marks.ts';
import { bindClipboardKeys, linkLocalAddresses, localAddresses } from './terminal-keys.ts';
import { useFastRenderer, useUnicode11 } from './terminal-render.ts';
import { FIRST_HOST, MAIN_TERMINAL, terminalOf, terminalPath } from './terminal-tabs.ts';

/** `ok`: every command but the last ended with 0, and the last as the block declares. */
export type RunResult = BlockVerdict;

/** What a tab tells the dock. */
export type TabHost = {
  /** The server's word on the sandbox behind this socket, with its place in line while it waits. */
  sandboxStatus(state: 'starting' | 'ready', queue?: SessionQueue): void;
  /** The session ended (deleted, idle, expired, …), with the server's words on why when it gave them. */
  sessionEnded(why?: string): void;
  /** The socket dropped unexpectedly; the tab tries again by itself. */
  reconnecting(): void;
  /** A command ended in this terminal (not one replayed from its past screen). */
  commandEnded(terminal: string, exitCode: number): void;
  /** A shell mark arrived: whoever waits for a prompt may look again. */
  marked(): void;
  /** The session lives but no longer has this tab's host (removed, or lost): its tabs go. */
  hostGone(host: string): void;
  /** A guest's: the server refused what was sent (a watcher typed), in words for the reader. */
  refused(message: string): void;
  /** A guest's: the owner's sandbox has no shell of this name (any more). */
  terminalGone(name: string): void;
  /** A `localhost:PORT` link in the terminal was followed: the sandbox's port, in its preview. */
  openPort(port: number, path: string): void;
};

const MAX_RECONNECT_DELAY_MS = 15_000;
/**
 * On attach, berth-term replays the shell's recent screen, old OSC 133 marks included. Its ends
 * are not news: marks count as new only once the output has paused this long, or input was sent.
 */
const REPLAY_QUIET_MS = 150;

export class TerminalTab {
  readonly terminal: Terminal;
  readonly marks = new ShellMarks();
  readonly tab: HTMLButtonElement;
  /** Mouse users' close button; keyboard users press Delete on the tab. `main` has none. */
  readonly closer: HTMLButtonElement | undefined;
  readonly panel: HTMLElement;
  readonly #host: TabHost;
  readonly #fit = new FitAddon();
  readonly #search = new SearchAddon();
  readonly #encoder = new TextEncoder();
  readonly #decoder = new TextDecoder();
  #socket: WebSocket | undefined;
  #activeRun: BlockRun | undefined;
  #reconnectDelayMs = 1000;
  #retryTimer: number | undefined;
  /**
   * Bumped whenever the tab attaches or lets go, so a reconnect decided before (its timer fired,
   * its session check still on its way) is dropped instead of attaching again.
   */
  #attachment = 0;
  /** Closed for good: nothing may attach a shell to this tab again. */
  #disposed = false;
  #replaying = false;
  #replayWrites = 0;
  #quietTimer: number | undefined;
  /** The touch key row's Ctrl: the next key typed goes as its control character. */
  #ctrlNext = false;

  constructor(
    readonly name: string,
    host: TabHost,
    options: { cols: number; rows: number; theme: ITheme },
    /** A guest's tab: the owner's shell, at the owner's size, scaled to fit here. */
    readonly guest = false,
  ) {
    this.#host = host;
    this.terminal = new Terminal({
      ...options,
      cursorBlink: true,
      fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
      fontSize: 14,
      scrollback: 5000,
      screenReaderMode: screenReaderPreferred(),
      // The Unicode 11 widths are a "proposed" API of xterm's.
      allowProposedApi: true,
    });
    this.terminal.loadAddon(this.#fit);
    this.terminal.loadAddon(this.#search);
    useUnicode11(this.terminal);
    bindClipboardKeys(this.terminal);
    // A URL to the sandbox's own localhost opens its preview; any other opens as a link does.
    this.terminal.loadAddon(
      new WebLinksAddon((_event, uri) => {
        const [local] = localAddresses(uri);
        if (local) host.openPort(local.port, local.path);
        else window.open(uri, '_blank', 'noopener');
      }),
    );
    linkLocalAddresses(this.terminal, (port, path) => host.openPort(port, path));
    this.terminal.parser.registerOscHandler(133, (payload) => {
      const mark = parseShellMark(payload);
      if (mark) this.marks.mark(mark);
      if (mark?.type === 'end' && !this.#replaying) this.#host.commandEnded(name, mark.exitCode ?? 0);
      this.#host.marked();
      return true;
    });
    this.terminal.onData((data) => this.#send(this.#encoder.encode(this.#withCtrl(data))));
    this.terminal.onBinary((data) => this.#send(Uint8Array.from(data, (c) => c.charCodeAt(0))));
    // A guest's size is the owner's: the server ignores a guest's resize, so none is sent.
    this.terminal.onResize(({ cols, rows }) => {
      if (!guest) this.#control({ type: 'resize', cols, rows });
    });

    const markup = cloneTemplate('berth-dock-tab');
    const id = `berth-terminal-${name}`;
    this.tab = partOf<HTMLButtonElement>(markup, '.berth-dock-tab');
    this.tab.id = `${id}-tab`;
    this.tab.textContent = name;
    this.tab.dataset.terminal = name;
    this.tab.setAttribute('aria-controls', id);
    this.panel = partOf(markup, '.berth-dock-panel');
    this.panel.id = id;
    this.panel.setAttribute('aria-labelledby', this.tab.id);
    if (name !== MAIN_TERMINAL) {
      this.tab.setAttribute('aria-keyshortcuts', 'Delete');
      const host = terminalOf(name);
      this.tab.title =
        host.host !== FIRST_HOST && host.name === MAIN_TERMINAL
          ? `Host ${name} (Delete removes the host, with every shell on it)`
          : `Terminal ${name} (Delete closes it)`;
      // Dock.astro keeps it out of the tab order and the accessibility tree: a tab list holds only tabs.
      this.closer = partOf<HTMLButtonElement>(markup, '.berth-dock-tab-close');
      this.closer.title = `Close terminal ${name}`;
      this.closer.dataset.close = name;
    }
    this.setShown(false);
  }

  /** A command runs here, typed by the reader or by a block. */
  get busy(): boolean {
    return this.#activeRun !== undefined || this.marks.state === 'running';
  }

  setShown(shown: boolean): void {
    this.tab.setAttribute('aria-selected', String(shown));
    this.tab.tabIndex = shown ? 0 : -1;
    this.panel.hidden = !shown;
    // Opened on first show: an xterm opened in a hidden panel cannot measure its characters.
    if (shown && !this.terminal.element) {
      this.terminal.open(this.panel);
      useFastRenderer(this.terminal);
    }
  }

  /** Keys from the touch key row, as if typed: Esc, Tab, an arrow, Ctrl-C. */
  typeKeys(keys: string): void {
    this.#send(this.#encoder.encode(keys));
  }

  /** The touch key row's Ctrl, held for the next key typed (or let go). */
  holdCtrl(held: boolean): void {
    this.#ctrlNext = held;
  }

  get ctrlHeld(): boolean {
    return this.#ctrlNext;
  }

  /** A key typed while the row's Ctrl is held, as its control character (c: ^C, [: Esc). */
  #withCtrl(data: string): string {
    if (!this.#ctrlNext || data.length !== 1) return data;
    this.#ctrlNext = false;
    this.panel.dispatchEvent(new CustomEvent('berth:ctrl-released', { bubbles: true }));
    const code = data.toUpperCase().charCodeAt(0);
    return code >= 0x40 && code <= 0x5f ? String.fromCharCode(code - 0x40) : data;
  }

  /** Fits the shown terminal to its panel; a hidden one takes the size it is given. */
  refit(size?: { cols: number; rows: number }): void {
    if (this.guest) {
      this.#scaleToFit();
      return;
    }
    if (!this.panel.hidden) {
      if (this.panel.clientHeight > 0) this.#fit.fit();
    } else if (size && (size.cols !== this.terminal.cols || size.rows !== this.terminal.rows)) {
      this.terminal.resize(size.cols, size.rows);
    }
  }

  /**
   * A guest's terminal keeps the owner's size (the server's size frames), so it is drawn at that
   * size and shrunk, never grown, to fit the panel: every guest sees the same lines the owner does.
   */
  #scaleToFit(): void {
    const screen = this.terminal.element;
    if (!screen || this.panel.hidden) return;
    screen.style.transform = '';
    const { offsetWidth: width, offsetHeight: height } = screen;
    if (width === 0 || height === 0) return;
    const scale = Math.min(1, this.panel.clientWidth / width, this.panel.clientHeight / height);
    screen.style.transformOrigin = 'top left';
    screen.style.transform = scale < 1 ? `scale(${scale})` : '';
  }

  setTheme(theme: ITheme): void {
    this.terminal.options.theme = theme;
  }

  find(text: string, backwards: boolean): void {
    if (backwards) this.#search.findPrevious(text);
    else this.#search.findNext(text);
  }

  /** Attaches to the shell (a new one the first time), replacing any socket this tab had. */
  connect(): void {
    if (this.#disposed) return;
    this.#attachment++;
    window.clearTimeout(this.#retryTimer);
    this.#closeSocket();
    // What a run typed may still be running, but the screen replayed now is not its news.
    this.#activeRun?.cancel();
    this.marks.reset();
    window.clearTimeout(this.#quietTimer);
    this.#replaying = true;
    const url = new URL(
      sitePath(`${terminalPath(this.name)}?cols=${this.terminal.cols}&rows=${this.terminal.rows}`),
      window.location.href,
    );
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    this.#socket = socket;
    let shellExited = false;
    let sessionEnded: string | undefined;
    socket.addEventListener('open', () => {
      this.#reconnectDelayMs = 1000;
    });
    socket.addEventListener('message', (event) => {
      if (typeof event.data !== 'string') {
        this.#receive(new Uint8Array(event.data as ArrayBuffer));
        return;
      }
      const message = JSON.parse(event.data) as ServerMessage;
      // Another host's start is that host's, not the sandbox's: the dock's state is node1's.
      if (message.type === 'status') {
        if (this.#onFirstHost) this.#host.sandboxStatus(message.state, message.queue);
      } else if (message.type === 'exit') {
        shellExited = true;
        this.terminal.write(`\r\n[the shell exited with code ${message.code}; starting a new one]\r\n`);
      } else if (message.type === 'size') {
        this.terminal.resize(message.cols, message.rows);
        this.#scaleToFit();
      } else if (message.type === 'error') {
        if (isSessionEnded(message.code) || message.code === 'share_revoked') sessionEnded = message.message;
        else if (message.code === 'read_only') this.#host.refused(message.message);
        else if (message.code === 'no_such_terminal') this.#host.terminalGone(this.name);
      }
    });
    socket.addEventListener('close', () => {
      if (this.#socket !== socket) return; // replaced or closed on purpose
      this.#socket = undefined;
      if (sessionEnded !== undefined) this.#host.sessionEnded(sessionEnded);
      else if (shellExited) this.connect();
      else this.#reconnectLater();
    });
  }

  /** Lets go of the shell on purpose (tab closed, sandbox reset or ended); a waiting run is cancelled. */
  disconnect(): void {
    this.#attachment++;
    window.clearTimeout(this.#retryTimer);
    this.#closeSocket();
    this.#activeRun?.cancel();
    this.marks.release();
  }

  dispose(): void {
    this.#disposed = true;
    this.disconnect();
    this.terminal.dispose();
    this.tab.remove();
    this.closer?.remove();
    this.panel.remove();
  }

  /** Ctrl-C, as the Stop button or an accepted interruption sends it; a block running here stops. */
  interrupt(): void {
    this.#activeRun?.cancel();
    this.#send(this.#encoder.encode('\x03'));
  }

  /**
   * Runs a block here (see BlockRun): each command once the previous one ended, stopping at a
   * failure; a last command that does not end by itself is ended as the block says.
   */
  async run(commands: string[], meta: BlockMeta, inputs?: string[][]): Promise<RunResult> {
    const run = new BlockRun(
      commands,
      meta,
      { send: (text) => this.#send(this.#encoder.encode(text)) },
      { inputs },
    );
    this.#activeRun = run;
    try {
      await this.marks.prompt();
      run.start();
      return await run.done;
    } finally {
      if (this.#activeRun === run) this.#activeRun = undefined;
    }
  }

  #receive(bytes: Uint8Array): void {
    // A run reads the output once xterm has parsed it, so the shell marks (busy, at a prompt) the
    // dock asks before the next block already know what the run's verdict knows.
    const text = this.#decoder.decode(bytes, { stream: true });
    const run = this.#activeRun?.begun ? this.#activeRun : undefined;
    if (!this.#replaying) {
      this.terminal.write(bytes, () => run?.feed(text));
      return;
    }
    // xterm parses later, in its own time: the quiet period starts once everything was parsed.
    window.clearTimeout(this.#quietTimer);
    this.#replayWrites++;
    this.terminal.write(bytes, () => {
      run?.feed(text);
      if (--this.#replayWrites > 0 || !this.#replaying) return;
      this.#quietTimer = window.setTimeout(() => {
        this.#replaying = false;
      }, REPLAY_QUIET_MS);
    });
  }

  /** After an unexpected close: wait, ask whether the session still lives, then reattach. */
  /** Whether this tab's shell is on node1, the sandbox itself, whose state is the dock's. */
  get #onFirstHost(): boolean {
    return terminalOf(this.name).host === FIRST_HOST;
  }

  #reconnectLater(): void {
    if (this.#onFirstHost) this.#host.reconnecting();
    const delay = this.#reconnectDelayMs;
    this.#reconnectDelayMs = Math.min(this.#reconnectDelayMs * 2, MAX_RECONNECT_DELAY_MS);
    const attachment = this.#attachment;
    this.#retryTimer = window.setTimeout(async () => {
      let session: SandboxView | undefined | 'unreachable';
      try {
        session = await currentSession();
      } catch {
        session = 'unreachable';
      }
      // Closed, reset or attached again while the question was on its way: not ours to answer.
      if (attachment !== this.#attachment) return;
      const { host } = terminalOf(this.name);
      if (session === 'unreachable') this.#reconnectLater();
      else if (session && !session.hosts?.some((h) => h.name === host)) this.#host.hostGone(host);
      else if (session) this.connect();
      else this.#host.sessionEnded();
    }, delay);
  }

  #closeSocket(): void {
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.close();
  }

  #send(bytes: Uint8Array): void {
    // Input means the replay is over: whatever ends from now on was typed now.
    this.#replaying = false;
    if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(bytes);
  }

  #control(message: object): void {
    if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify(message));
  }
}
