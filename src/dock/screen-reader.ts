/**
 * The reader's choice of xterm's screen-reader mode (an accessible copy of the screen that
 * assistive technology reads as output arrives), kept across pages and visits.
 */
const KEY = 'berth:screen-reader';

export function screenReaderPreferred(): boolean {
  try {
    return localStorage.getItem(KEY) === 'on';
  } catch {
    return false;
  }
}

export function preferScreenReader(on: boolean): void {
  try {
    localStorage.setItem(KEY, on ? 'on' : 'off');
  } catch {
    // Storage refused (private mode): the choice lasts for this page.
  }
}
