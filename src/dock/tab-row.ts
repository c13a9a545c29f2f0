/**
 * The dock's row of terminal tabs and the screen their panels share: which terminals are open,
 * which one is shown, the keys and clicks that move between them, and what sessionStorage keeps
 * of them across pages and reloads. The rules for names are ./terminal-tabs.ts's; each shell is
 * its TerminalTab's.
 */

import type { ITheme } from '@xterm/xterm';
import { DEFAULT_SIZE } from '../../sandbox-server/src/contract/index.ts';
import { type TabHost, TerminalTab } from './terminal-tab.ts';
import {
  MAIN_TERMINAL,
  MAX_TABS,
  parseOpenTabs,
  tabAfterClosing,
  tabForKey,
  tabLabel,
  tabRefusal,
} from './terminal-tabs.ts';

const TABS_KEY = 'berth-dock-terminals';

export type TabRowParts = { tablist: HTMLElement; screen: HTMLElement; add: HTMLButtonElement };

export type TabRowOptions = {
  host: TabHost;
  theme: () => ITheme;
  /** Whether the screen shows at all: a collapsed dock leaves the terminals their size. */
  visible: () => boolean;
  /** The reader closes a tab (its × or Delete): the dock ends its shell. */
  closing: (name: string) => void;
  /** A guest's dock: its tabs show the owner's shells, at the owner's size. */
  guest: boolean;
};

export class TabRow {
  readonly #parts: TabRowParts;
  readonly #options: TabRowOptions;
  /** Open terminals in tab order (a Map keeps insertion order); `main` is first and never closes. */
  readonly #tabs = new Map<string, TerminalTab>();
  #shown = MAIN_TERMINAL;

  constructor(parts: TabRowParts, options: TabRowOptions) {
    this.#parts = parts;
    this.#options = options;
    parts.tablist.addEventListener('click', (event) => {
      const target = event.target as HTMLElement;
      const closing = target.closest<HTMLElement>('[data-close]')?.dataset.close;
      if (closing) options.closing(closing);
      const name = target.closest<HTMLElement>('[role="tab"]')?.dataset.terminal;
      if (name) this.show(name);
    });
    parts.tablist.addEventListener('keydown', (event) => this.#onKey(event));
  }

  /** The open terminals, in tab order. */
  get names(): string[] {
    return [...this.#tabs.keys()];
  }

  get shown(): string {
    return this.#shown;
  }

  get current(): TerminalTab {
    const tab = this.#tabs.get(this.#shown) ?? this.#tabs.get(MAIN_TERMINAL);
    if (!tab) throw new Error('the dock has no main terminal');
    return tab;
  }

  get(name: string): TerminalTab | undefined {
    return this.#tabs.get(name);
  }

  all(): TerminalTab[] {
    return [...this.#tabs.values()];
  }

  /** Opens the tabs open before this page or reload, and the one shown then; fits them from now on. */
  restore(): void {
    const saved = parseOpenTabs(sessionStorage.getItem(this.#key));
    for (const name of saved.names) this.open(name, false);
    this.show(saved.shown);
    new ResizeObserver(() => this.refit()).observe(this.#parts.screen);
  }

  /**
   * Opens a terminal's tab (attached at once when `attach`), or returns the open one. Every new
   * tab comes through here ("+", a block's `terminal=`, tabs restored after a reload), so this is
   * where a wrong name or a tab past MAX_TABS is refused.
   */
  open(name: string, attach: boolean): TerminalTab {
    const open = this.#tabs.get(name);
    if (open) return open;
    const refusal = tabRefusal(this.names, name);
    if (refusal) throw new Error(refusal);
    // A new shell starts at the size the shown one has, so its first lines are laid out right.
    const shown = this.#tabs.get(this.#shown)?.terminal;
    const tab = new TerminalTab(
      name,
      this.#options.host,
      {
        cols: shown?.cols ?? DEFAULT_SIZE.cols,
        rows: shown?.rows ?? DEFAULT_SIZE.rows,
        theme: this.#options.theme(),
      },
      this.#options.guest,
    );
    this.#tabs.set(name, tab);
    this.#parts.tablist.append(tab.tab, ...(tab.closer ? [tab.closer] : []));
    this.#parts.screen.append(tab.panel);
    if (attach) tab.connect();
    this.#save();
    return tab;
  }

  /** Shows one terminal's tab and hides the others. */
  show(name: string): void {
    if (!this.#tabs.has(name)) return;
    this.#shown = name;
    for (const tab of this.#tabs.values()) tab.setShown(tab.name === name);
    this.refit();
    this.#save();
  }

  /** Closes a tab and lets go of its shell; `main` stays. Returns whether a tab closed. */
  close(name: string): boolean {
    const tab = this.#tabs.get(name);
    if (!tab || name === MAIN_TERMINAL) return false;
    if (this.#shown === name) this.show(tabAfterClosing(this.names, name));
    this.#tabs.delete(name);
    tab.dispose();
    this.#save();
    return true;
  }

  /** A new or ended sandbox has only `main`: other shells went with the old one. */
  closeAllButMain(): void {
    for (const tab of this.#tabs.values()) {
      if (tab.name === MAIN_TERMINAL) continue;
      this.#tabs.delete(tab.name);
      tab.dispose();
    }
    this.show(MAIN_TERMINAL);
  }

  /** Fits the shown terminal, and gives the hidden ones its size: they share the same screen. */
  refit(): void {
    if (!this.#options.visible()) return;
    const shown = this.current;
    shown.refit();
    const size = { cols: shown.terminal.cols, rows: shown.terminal.rows };
    for (const tab of this.#tabs.values()) if (tab !== shown) tab.refit(size);
  }

  setTheme(theme: ITheme): void {
    for (const tab of this.#tabs.values()) tab.setTheme(theme);
  }

  #onKey(event: KeyboardEvent): void {
    const name = (event.target as HTMLElement).closest<HTMLElement>('[role="tab"]')?.dataset.terminal;
    if (!name) return;
    const next =
      event.key === 'Delete' && name !== MAIN_TERMINAL
        ? tabAfterClosing(this.names, name)
        : tabForKey(this.names, name, event.key);
    if (!next) return;
    event.preventDefault();
    if (event.key === 'Delete') this.#options.closing(name);
    this.show(next);
    this.#tabs.get(next)?.tab.focus();
  }

  /** A guest's tabs are the owner's, kept apart from the reader's own. */
  get #key(): string {
    return this.#options.guest ? `${TABS_KEY}-guest` : TABS_KEY;
  }

  #save(): void {
    this.#parts.add.disabled = this.#tabs.size >= MAX_TABS;
    for (const tab of this.#tabs.values()) tab.tab.textContent = tabLabel(tab.name, this.names);
    sessionStorage.setItem(this.#key, JSON.stringify({ names: this.names, shown: this.#shown }));
  }
}
