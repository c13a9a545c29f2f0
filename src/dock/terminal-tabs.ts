/**
 * The dock's tabs as data: which terminals are open, which one is shown, what the next one is
 * called, and where the arrow keys lead. No DOM here, so it is tested on its own.
 */
import { TERMINAL_NAME } from '../../sandbox-server/src/contract/index.ts';
import { FIRST_HOST, isHostName } from '../../sandbox-server/src/sandboxes/hosts.ts';
import { sessionRoot } from '../links/session-path.ts';

export const MAIN_TERMINAL = 'main';
export { FIRST_HOST };

/**
 * The terminal a tab shows. node1's tabs are named as their terminals (`main`, `2`, `logs`);
 * another host's are named after it: `node2` is its `main`, `node2:logs` its `logs`.
 */
export function terminalOf(tab: string): { host: string; name: string } {
  const colon = tab.indexOf(':');
  const host = colon < 0 ? tab : tab.slice(0, colon);
  if (isHostName(host) && host !== FIRST_HOST)
    return { host, name: colon < 0 ? MAIN_TERMINAL : tab.slice(colon + 1) };
  return { host: FIRST_HOST, name: tab };
}

/** The tab of terminal `name` (default main) on `host` (default node1). */
export function tabFor(host: string = FIRST_HOST, name = MAIN_TERMINAL): string {
  if (host === FIRST_HOST) return name;
  return name === MAIN_TERMINAL ? host : `${host}:${name}`;
}

/**
 * What a tab shows as its name: as it is named, but once the reader has tabs on other hosts,
 * node1's say their host too (`node1`, `node1:logs`), so every tab says where it runs.
 */
export function tabLabel(tab: string, open: readonly string[]): string {
  const { host, name } = terminalOf(tab);
  if (host !== FIRST_HOST || !open.some((other) => terminalOf(other).host !== FIRST_HOST)) return tab;
  return name === MAIN_TERMINAL ? FIRST_HOST : `${FIRST_HOST}:${name}`;
}

/**
 * Where a tab's terminal is served: /api/session/terminals/main, /api/session/hosts/node2/terminals/logs;
 * a guest's the same under /api/shared/<address>.
 */
export function terminalPath(tab: string): string {
  const { host, name } = terminalOf(tab);
  const on = host === FIRST_HOST ? '' : `/hosts/${host}`;
  return `${sessionRoot()}${on}/terminals/${encodeURIComponent(name)}`;
}
/** The server takes 32 terminal sockets per session, and a reader may have the site open twice. */
export const MAX_TABS = 8;

/** What sessionStorage keeps between pages and reloads: `main` first, no duplicates. */
export type OpenTabs = { names: string[]; shown: string };

/** The name the "+" button gives: `2`, `3`, …, the smallest one not open (so a closed `2` comes back). */
export function nextTerminalName(open: readonly string[]): string {
  let number = 2;
  while (open.includes(String(number))) number++;
  return String(number);
}

/**
 * Why `name` cannot get a tab of its own now, in words for the reader (a block shows them after
 * "Not run: "), or undefined when it can. An open terminal is always fine: it is reused.
 */
export function tabRefusal(open: readonly string[], name: string): string | undefined {
  if (!TERMINAL_NAME.test(terminalOf(name).name) || /^node[2-9]:main$/.test(name)) {
    return `"${name}" is not a terminal name (a-z, 0-9 and -, at most 16 characters)`;
  }
  if (open.includes(name) || open.length < MAX_TABS) return undefined;
  return `the dock holds at most ${MAX_TABS} terminals: close one to open ${name}`;
}

/**
 * Saved tabs from sessionStorage's text; anything missing or wrong falls back to `main` alone.
 * Names no new tab could take (past the limit) are left out, as the dock would refuse them.
 */
export function parseOpenTabs(text: string | null): OpenTabs {
  let saved: Partial<OpenTabs> = {};
  try {
    saved = (JSON.parse(text ?? '{}') as Partial<OpenTabs> | null) ?? {};
  } catch {
    // a hand-edited or old value: start again from main
  }
  const names = [MAIN_TERMINAL];
  for (const name of Array.isArray(saved.names) ? saved.names : []) {
    if (typeof name === 'string' && !names.includes(name) && !tabRefusal(names, name)) names.push(name);
  }
  const shown = typeof saved.shown === 'string' && names.includes(saved.shown) ? saved.shown : MAIN_TERMINAL;
  return { names, shown };
}

/** The tab a key moves to in a tab list (arrows wrap around, Home and End jump), or undefined. */
export function tabForKey(names: readonly string[], current: string, key: string): string | undefined {
  const index = names.indexOf(current);
  if (index < 0 || names.length === 0) return undefined;
  const last = names.length - 1;
  switch (key) {
    case 'ArrowRight':
      return names[index === last ? 0 : index + 1];
    case 'ArrowLeft':
      return names[index === 0 ? last : index - 1];
    case 'Home':
      return names[0];
    case 'End':
      return names[last];
    default:
      return undefined;
  }
}

/** The tab to show when `closing` goes: the one before it (main is always first and never closes). */
export function tabAfterClosing(names: readonly string[], closing: string): string {
  const index = names.indexOf(closing);
  return names[Math.max(index - 1, 0)] ?? MAIN_TERMINAL;
}
