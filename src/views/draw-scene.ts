/**
 * Puts a scene into a diagram's SVG and its words alternative. Every string goes in through
 * textContent or an attribute: container, image and file names come from the reader.
 */
import type { Scene, Shape, Words } from './scene.ts';

const SVG = 'http://www.w3.org/2000/svg';

function svgElement(shape: Shape): SVGElement {
  if (shape.kind === 'rect') {
    const rect = document.createElementNS(SVG, 'rect');
    rect.setAttribute('class', shape.className);
    for (const [name, value] of [
      ['x', shape.x],
      ['y', shape.y],
      ['width', shape.width],
      ['height', shape.height],
      ['rx', shape.rx ?? 0],
    ] as const)
      rect.setAttribute(name, String(value));
    return rect;
  }
  if (shape.kind === 'path') {
    const path = document.createElementNS(SVG, 'path');
    path.setAttribute('class', shape.className);
    path.setAttribute('d', shape.d);
    return path;
  }
  const text = document.createElementNS(SVG, 'text');
  if (shape.className) text.setAttribute('class', shape.className);
  text.setAttribute('x', String(shape.x));
  text.setAttribute('y', String(shape.y));
  if (shape.anchor && shape.anchor !== 'start') text.setAttribute('text-anchor', shape.anchor);
  text.textContent = shape.text;
  if (shape.full) {
    // A tooltip with the whole text; the words below say it too.
    const title = document.createElementNS(SVG, 'title');
    title.textContent = shape.full;
    text.prepend(title);
  }
  return text;
}

/** The drawing: a group that replaces the example's shapes (kept by the caller to put back). */
export function drawing(scene: Scene): SVGGElement {
  const group = document.createElementNS(SVG, 'g');
  group.setAttribute('data-live-drawing', '');
  for (const shape of scene.shapes) group.append(svgElement(shape));
  return group;
}

export function wordsElement(words: Words): HTMLElement {
  const box = document.createElement('div');
  box.setAttribute('data-live-words', '');
  const lead = document.createElement('p');
  lead.textContent = words.lead;
  box.append(lead);
  if (words.items.length > 0) {
    const list = document.createElement(words.ordered ? 'ol' : 'ul');
    for (const item of words.items) {
      const li = document.createElement('li');
      li.textContent = item.text;
      if (item.kind) li.dataset.kind = item.kind;
      list.append(li);
    }
    box.append(list);
  }
  for (const note of words.notes) {
    const p = document.createElement('p');
    p.textContent = note;
    box.append(p);
  }
  return box;
}
