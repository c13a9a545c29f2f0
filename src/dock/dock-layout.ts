/**
 * The dock's height and whether it is collapsed: dragged or moved with the arrow keys on its
 * handle, toggled by its Collapse button, and kept in sessionStorage across pages and reloads.
 */

export type Layout = { height: number; collapsed: boolean };

const LAYOUT_KEY = 'berth-dock-layout';
const MIN_HEIGHT = 160;
/** Of the window's height: the dock's first height, and the most it may take. */
const FIRST_SHARE = 0.4;
const MAX_SHARE = 0.85;
const KEY_STEP = 24;

/** The saved layout; anything missing or wrong falls back to 40% of the window, expanded. */
export function parseLayout(text: string | null, windowHeight: number): Layout {
  const height = Math.round(windowHeight * FIRST_SHARE);
  try {
    const saved = (JSON.parse(text ?? '{}') ?? {}) as Partial<Layout>;
    return {
      height: typeof saved.height === 'number' ? saved.height : height,
      collapsed: saved.collapsed === true,
    };
  } catch {
    return { height, collapsed: false };
  }
}

/** A height the dock may take: at least MIN_HEIGHT, at most 85% of the window, in whole pixels. */
export function clampHeight(height: number, windowHeight: number): number {
  return Math.round(Math.min(Math.max(height, MIN_HEIGHT), windowHeight * MAX_SHARE));
}

/** How much taller an arrow key on the handle makes the dock (0 for other keys). */
export function keyStep(key: string): number {
  if (key === 'ArrowUp') return KEY_STEP;
  return key === 'ArrowDown' ? -KEY_STEP : 0;
}

export type LayoutParts = {
  dock: HTMLElement;
  handle: HTMLElement;
  collapse: HTMLButtonElement;
  screen: HTMLElement;
};

export class DockLayout {
  readonly #parts: LayoutParts;
  /** Called after every change: the shown terminal fits its new size. */
  readonly #changed: () => void;
  #layout: Layout;

  constructor(parts: LayoutParts, changed: () => void) {
    this.#parts = parts;
    this.#changed = changed;
    this.#layout = parseLayout(sessionStorage.getItem(LAYOUT_KEY), window.innerHeight);
    parts.handle.addEventListener('pointerdown', (event) => this.#drag(event));
    parts.handle.addEventListener('keydown', (event) => {
      const step = keyStep(event.key);
      if (step === 0) return;
      event.preventDefault();
      this.#setHeight(this.#layout.height + step);
    });
  }

  get collapsed(): boolean {
    return this.#layout.collapsed;
  }

  setCollapsed(collapsed: boolean): void {
    this.#layout.collapsed = collapsed;
    this.apply();
  }

  /** Shows the layout, saves it, and fits the terminal to it. */
  apply(): void {
    const { dock, handle, collapse, screen } = this.#parts;
    const { collapsed, height } = this.#layout;
    // A focusable separator says where it stands: the terminal's height in pixels, and its range.
    handle.setAttribute('aria-valuemin', String(MIN_HEIGHT));
    handle.setAttribute('aria-valuemax', String(Math.round(window.innerHeight * MAX_SHARE)));
    handle.setAttribute('aria-valuenow', String(collapsed ? MIN_HEIGHT : height));
    handle.setAttribute('aria-valuetext', collapsed ? 'collapsed' : `${height} pixels tall`);
    dock.toggleAttribute('data-collapsed', collapsed);
    collapse.textContent = collapsed ? 'Expand' : 'Collapse';
    collapse.setAttribute('aria-expanded', String(!collapsed));
    screen.style.height = collapsed ? '0' : `${height}px`;
    // Keep the end of the page readable above the dock.
    document.body.style.paddingBottom = `${dock.getBoundingClientRect().height}px`;
    sessionStorage.setItem(LAYOUT_KEY, JSON.stringify(this.#layout));
    this.#changed();
  }

  #setHeight(height: number): void {
    this.#layout.height = clampHeight(height, window.innerHeight);
    this.apply();
  }

  #drag(event: PointerEvent): void {
    event.preventDefault();
    const move = (e: PointerEvent) => this.#setHeight(window.innerHeight - e.clientY);
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  }
}
