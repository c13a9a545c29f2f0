/**
 * A live diagram as plain data: what to draw (shapes in SVG units, with the class names of the
 * diagram palette in Diagram.astro) and the same content in words. Layouts build scenes from the
 * server's JSON without touching the DOM, so they are unit-tested; draw-scene.ts puts one on the page.
 */

export type Shape =
  | { kind: 'rect'; className: string; x: number; y: number; width: number; height: number; rx?: number }
  | {
      kind: 'text';
      className?: string;
      x: number;
      y: number;
      text: string;
      /** The untruncated text, shown as a tooltip (an SVG <title>) when `text` was cut. */
      full?: string;
      anchor?: 'start' | 'middle' | 'end';
    }
  | { kind: 'path'; className: string; d: string };

/** One line of the words alternative; `kind` lets a list item be found (e.g. "layer", "container"). */
export type WordItem = { text: string; kind?: string };

export type Words = { lead: string; items: WordItem[]; ordered: boolean; notes: string[] };

export type Scene = {
  width: number;
  height: number;
  /** The SVG's <title> and <desc>: the same things the drawing and the words say. */
  title: string;
  desc: string;
  shapes: Shape[];
  words: Words;
  /** A short sentence for the aria-live region when the scene changed. */
  summary: string;
};

/** The dashed frame around a whole drawing of `width` by `height`. */
export function frame(width: number, height: number): Shape {
  return { kind: 'rect', className: 'frame', x: 1, y: 1, width: width - 2, height: height - 2, rx: 10 };
}

/** Cuts `text` to `max` characters with an ellipsis at the end (or, for paths, at the start). */
export function truncate(text: string, max: number, from: 'end' | 'start' = 'end'): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  return from === 'end'
    ? `${chars.slice(0, max - 1).join('')}…`
    : `…${chars.slice(chars.length - max + 1).join('')}`;
}

/** A text shape cut to fit `max` characters, keeping the whole text as its tooltip. */
export function fittedText(
  text: string,
  max: number,
  shape: Omit<Extract<Shape, { kind: 'text' }>, 'kind' | 'text' | 'full'>,
  from: 'end' | 'start' = 'end',
): Shape {
  const cut = truncate(text, max, from);
  return { kind: 'text', ...shape, text: cut, ...(cut === text ? {} : { full: text }) };
}

/** Sizes as Docker prints them: decimal units, three significant digits ("74.8 MB", "512 kB", "0 B"). */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 999.5 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const shown = unit === 0 ? String(Math.round(value)) : String(Number(value.toPrecision(3)));
  return `${shown} ${units[unit]}`;
}

/** "a, b and c" */
export function listing(parts: string[]): string {
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
