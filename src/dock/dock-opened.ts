/**
 * The session-storage key that says the reader opened the dock in this tab: the page script opens
 * it again on the next page, and the live diagrams watch the sandbox. Its own module, so neither
 * loads the dock (and xterm) to read it.
 */
export const DOCK_OPENED_KEY = 'berth-dock';
