/**
 * On touch screens, a row of the keys a phone's keyboard lacks: Ctrl (held for the next key),
 * Esc, Tab, the arrows, Ctrl-C and Ctrl-D. A press keeps the focus in the terminal, so the
 * phone's keyboard stays up.
 */
import type { TerminalTab } from './terminal-tab.ts';

/** What each key sends; the arrows as the shell asked for them (application cursor mode or not). */
export function keysFor(key: string, applicationCursor: boolean): string | undefined {
  const arrow = { up: 'A', down: 'B', right: 'C', left: 'D' }[key];
  if (arrow) return `\x1b${applicationCursor ? 'O' : '['}${arrow}`;
  return { esc: '\x1b', tab: '\t', 'ctrl-c': '\x03', 'ctrl-d': '\x04' }[key];
}

export function bindTouchKeys(row: HTMLElement, current: () => TerminalTab): void {
  row.hidden = !window.matchMedia('(pointer: coarse)').matches;
  const ctrl = row.querySelector<HTMLButtonElement>('[data-key="ctrl"]');
  const showCtrl = (held: boolean) => ctrl?.setAttribute('aria-pressed', String(held));
  // Pressing a button would move the focus out of xterm's input and close the phone's keyboard.
  row.addEventListener('pointerdown', (event) => event.preventDefault());
  row.addEventListener('click', (event) => {
    const key = (event.target as HTMLElement).closest<HTMLElement>('[data-key]')?.dataset.key;
    if (!key) return;
    const tab = current();
    if (key === 'ctrl') {
      tab.holdCtrl(!tab.ctrlHeld);
      showCtrl(tab.ctrlHeld);
    } else {
      const keys = keysFor(key, tab.terminal.modes.applicationCursorKeysMode);
      if (keys) tab.typeKeys(keys);
    }
    tab.terminal.focus();
  });
  // The held Ctrl went with the key it was held for.
  document.addEventListener('berth:ctrl-released', () => showCtrl(false));
}
