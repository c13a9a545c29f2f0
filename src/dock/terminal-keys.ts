/**
 * What a terminal in a browser tab is expected to do with keys and text, beyond xterm's own:
 * copy and paste by the keys of each platform's terminals, and links to `localhost:PORT` that
 * open that port's preview rather than the reader's own machine.
 */
import type { ILink, Terminal } from '@xterm/xterm';

const isMac = () => /Mac|iPhone|iPad/.test(navigator.platform);

/**
 * Whether a key event copies the selection: Cmd+C on macOS; elsewhere Ctrl+Shift+C, or Ctrl+C
 * while text is selected (as Windows Terminal does; with nothing selected it stays SIGINT).
 */
export function copies(event: KeyboardEvent, hasSelection: boolean, mac = isMac()): boolean {
  const key = event.key.toLowerCase();
  if (key !== 'c' || event.altKey) return false;
  if (mac) return event.metaKey && !event.ctrlKey;
  return event.ctrlKey && !event.metaKey && (event.shiftKey || hasSelection);
}

/** Whether a key event pastes: Cmd+V on macOS, Ctrl+Shift+V elsewhere (Ctrl+V stays ^V). */
export function pastes(event: KeyboardEvent, mac = isMac()): boolean {
  if (event.key.toLowerCase() !== 'v' || event.altKey) return false;
  if (mac) return event.metaKey && !event.ctrlKey;
  return event.ctrlKey && event.shiftKey && !event.metaKey;
}

/**
 * Binds the copy and paste keys. Pasting goes through the browser's own paste (its event reaches
 * xterm, which brackets the text when the shell asked for bracketed paste: a pasted newline
 * then does not run anything). The context menu's Paste takes the same way.
 */
export function bindClipboardKeys(terminal: Terminal): void {
  terminal.attachCustomKeyEventHandler((event) => {
    if (event.type !== 'keydown') return true;
    if (copies(event, terminal.hasSelection())) {
      // Ctrl+Shift+C is the browser's inspector otherwise.
      event.preventDefault();
      void copySelection(terminal);
      return false;
    }
    // Not sent to the shell; the browser goes on to paste into xterm's input.
    return !pastes(event);
  });
}

async function copySelection(terminal: Terminal): Promise<void> {
  const text = terminal.getSelection();
  if (!text) return;
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // No clipboard API off a secure origin (a LAN address over http): the copy event still works.
    document.execCommand('copy');
  }
  // Selection done with: the next Ctrl+C interrupts again.
  terminal.clearSelection();
}

/** `localhost:8080`, `127.0.0.1:3000/path`, `http://localhost:5000`: a port of the sandbox's. */
const LOCAL_ADDRESS = /\b(?:https?:\/\/)?(?:localhost|127\.0\.0\.1|0\.0\.0\.0):(\d{1,5})(\/[^\s"'<>]*)?/g;

/** Where each local address in `line` is, and its port and path. */
export function localAddresses(line: string): { start: number; end: number; port: number; path: string }[] {
  return [...line.matchAll(LOCAL_ADDRESS)].flatMap((match) => {
    const port = Number(match[1]);
    if (port < 1 || port > 65535) return [];
    const start = match.index ?? 0;
    return [{ start, end: start + match[0].length, port, path: match[2] ?? '/' }];
  });
}

/**
 * Makes local addresses in the terminal links to the port's preview: a program in the sandbox
 * says "listening on localhost:3000", and that is the sandbox's port, never the reader's own.
 */
export function linkLocalAddresses(terminal: Terminal, open: (port: number, path: string) => void): void {
  terminal.registerLinkProvider({
    provideLinks(y, callback) {
      const line = terminal.buffer.active.getLine(y - 1)?.translateToString(true) ?? '';
      // Those with a scheme are the web-links addon's, which sends them here too.
      const bare = localAddresses(line).filter(({ start }) => !/^https?:/.test(line.slice(start)));
      const links: ILink[] = bare.map(({ start, end, port, path }) => ({
        range: { start: { x: start + 1, y }, end: { x: end, y } },
        text: line.slice(start, end),
        decorations: { underline: true, pointerCursor: true },
        activate: () => open(port, path),
      }));
      callback(links.length > 0 ? links : undefined);
    },
  });
}
