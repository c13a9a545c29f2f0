/**
 * An image's layers as a scene, stacked as Docker stacks them: the base at the bottom, each build
 * step above the one before, and, when a container is chosen, its read-write layer on top with the
 * files it changed. Steps that add no files (CMD, ENV, EXPOSE, …) are drawn thin: metadata only.
 */
import {
  fittedText,
  frame,
  humanSize,
  listing,
  plural,
  type Scene,
  type Shape,
  truncate,
  type WordItem,
} from './scene.ts';
import type { ChangeKind, ChangesView, Layer } from './views-api.ts';

const WIDTH = 760;
const X = 150;
const W = 590;
const FILE_LAYER = 40;
const METADATA_LAYER = 28;
const GAP = 8;
const INSTRUCTION_CHARS = 52;
/** Changed files shown in the drawing and in the words; the rest are counted. */
export const CHANGES_SHOWN = 20;

const MARKER: Record<ChangeKind, string> = { added: 'A', changed: 'C', deleted: 'D' };

/**
 * The Dockerfile instruction behind a history entry, as a reader wrote it: without the shell
 * wrapper and the builder's notes that `docker history` shows ("/bin/sh -c #(nop) ", "# buildkit").
 */
export function cleanInstruction(layer: Pick<Layer, 'instruction' | 'comment'>): string {
  let text = layer.instruction.replace(/\s+/g, ' ').trim();
  text = text.replace(/ # buildkit$/, '');
  text = text.replace(/^\/bin\/sh -c #\(nop\) +/, '');
  text = text.replace(/^\/bin\/sh -c /, 'RUN ');
  text = text.replace(/^RUN \/bin\/sh -c /, 'RUN ');
  if (text) return text;
  const comment = layer.comment.trim();
  // `docker import` makes a base layer from a tar archive, with no Dockerfile behind it.
  if (/^Imported from /.test(comment)) return 'file system from docker import';
  return comment || '(no instruction recorded)';
}

function layerSentence(layer: Layer, index: number): string {
  const base = index === 0 ? 'base layer: ' : '';
  const size = layer.size > 0 ? humanSize(layer.size) : '0 B, metadata only (no files)';
  return `${base}${cleanInstruction(layer)} — ${size}`;
}

function changeWords(changes: ChangesView): string {
  const shown = changes.changes.slice(0, CHANGES_SHOWN).map((change) => `${change.kind} ${change.path}`);
  const more = moreChanges(changes);
  if (shown.length === 0) return 'no files changed yet';
  return more ? `${shown.join('; ')}; ${more}` : shown.join('; ');
}

function moreChanges(changes: ChangesView): string {
  const hidden = Math.max(0, changes.changes.length - CHANGES_SHOWN);
  if (changes.truncated) return `and more than ${hidden} more`;
  return hidden > 0 ? `and ${hidden} more` : '';
}

/** Draws a bracket left of the stack from `top` to `bottom`, with its labels beside it. */
function bracket(
  shapes: Shape[],
  top: number,
  bottom: number,
  labels: { text: string; className: string }[],
): void {
  shapes.push({
    kind: 'path',
    className: 'link',
    d: `M${X - 10} ${top + 2}H${X - 18}V${bottom - 2}H${X - 10}`,
  });
  const first = (top + bottom) / 2 - ((labels.length - 1) * 20) / 2 + 6;
  labels.forEach((label, i) => {
    shapes.push(
      fittedText(label.text, 14, { className: label.className, x: X - 26, y: first + i * 20, anchor: 'end' }),
    );
  });
}

export type LayersInput = {
  /** How the reader named the image (its tag, or its id when untagged). */
  ref: string;
  layers: Layer[];
  changes?: ChangesView;
};

export function layersScene({ ref, layers, changes }: LayersInput): Scene {
  const shapes: Shape[] = [];
  const items: WordItem[] = [];
  let y = 12;

  if (changes) {
    const shown = changes.changes.slice(0, CHANGES_SHOWN);
    const more = moreChanges(changes);
    const rows = Math.ceil(shown.length / 2) + (more ? 1 : 0) || 1;
    const height = 44 + rows * 22;
    const name = changes.container.name;
    shapes.push({ kind: 'rect', className: 'box-green', x: X, y, width: W, height, rx: 6 });
    shapes.push(fittedText(`Container layer: ${name}`, 36, { className: 'strong', x: X + 12, y: y + 26 }));
    shapes.push({
      kind: 'text',
      className: 'sub',
      x: X + W - 12,
      y: y + 26,
      text: `read-write, ${humanSize(changes.sizeRw)}`,
      anchor: 'end',
    });
    shown.forEach((change, i) => {
      const column = i % 2;
      const row = Math.floor(i / 2);
      shapes.push(
        fittedText(
          `${MARKER[change.kind]} ${change.path}`,
          30,
          { className: 'mono', x: X + 12 + column * (W / 2), y: y + 52 + row * 22 },
          'start',
        ),
      );
    });
    if (shown.length === 0)
      shapes.push({ kind: 'text', className: 'sub', x: X + 12, y: y + 52, text: 'no files changed yet' });
    if (more)
      shapes.push({
        kind: 'text',
        className: 'sub',
        x: X + 12,
        y: y + 52 + Math.ceil(shown.length / 2) * 22,
        text: more,
      });
    bracket(shapes, y, y + height, [
      { text: 'Container', className: 'strong' },
      { text: 'read-write', className: 'sub' },
    ]);
    items.push({
      kind: 'container',
      text: `container layer of ${name} (read-write, ${humanSize(changes.sizeRw)}): ${changeWords(changes)}`,
    });
    y += height + GAP + 8;
  }

  const imageTop = y;
  // Top of the drawing is the newest step; the list is in build order, base first.
  for (let index = layers.length - 1; index >= 0; index--) {
    const layer = layers[index] as Layer;
    const instruction = cleanInstruction(layer);
    const files = layer.size > 0;
    const height = files ? FILE_LAYER : METADATA_LAYER;
    shapes.push({
      kind: 'rect',
      className: files ? 'box-accent' : 'chip-hidden',
      x: X,
      y,
      width: W,
      height,
      rx: 5,
    });
    const baseline = y + height / 2 + 5;
    shapes.push(
      fittedText(instruction, files ? INSTRUCTION_CHARS : INSTRUCTION_CHARS + 2, {
        className: files ? 'mono' : 'mono sub',
        x: X + 12,
        y: baseline,
      }),
    );
    shapes.push({
      kind: 'text',
      className: files ? undefined : 'sub',
      x: X + W - 12,
      y: baseline,
      text: files ? humanSize(layer.size) : '0 B',
      anchor: 'end',
    });
    items.push({ kind: 'layer', text: layerSentence(layer, index) });
    y += height + GAP;
  }
  if (layers.length > 0)
    bracket(shapes, imageTop, y - GAP, [
      { text: 'Image', className: 'strong' },
      { text: truncate(ref, 14), className: 'sub' },
      { text: 'read-only', className: 'sub' },
    ]);
  const height = y + 4;

  const withFiles = layers.filter((layer) => layer.size > 0).length;
  const counted = `${plural(layers.length, 'image layer')} (${withFiles} with files, ${
    layers.length - withFiles
  } metadata only)`;
  const lead = changes
    ? `Container ${changes.container.name} on ${ref}, live: its read-write layer on top of ${counted}, from the top down to the base.`
    : `${ref}, live: ${counted}, from the top down to the base.`;
  const note =
    'The image’s layers are read-only and shared by every container made from it. A container writes only to its own thin layer on top: changing a file of the image copies it up into that layer first (copy-on-write), and deleting one hides it there.';
  const title = changes ? `Layers of container ${changes.container.name}, live` : `Layers of ${ref}, live`;
  const summary = changes
    ? `Layers diagram updated: ${ref} and container ${changes.container.name}, ${
        changeCounts(changes.changes) || 'no files changed'
      }.`
    : `Layers diagram updated: ${ref}, ${plural(layers.length, 'layer')}.`;
  return {
    width: WIDTH,
    height,
    title,
    desc: [lead, ...items.map((item) => `${item.text}.`)].join(' '),
    shapes,
    words: { lead, items, ordered: true, notes: [note] },
    summary,
  };
}

/** The sandbox has no image yet. */
export function noImagesScene(): Scene {
  const lead = 'Your sandbox has no images yet — pull or build one, for example docker pull nginx.';
  return {
    width: WIDTH,
    height: 96,
    title: 'Your sandbox’s image layers, live',
    desc: lead,
    shapes: [
      frame(WIDTH, 96),
      { kind: 'text', className: 'strong', x: 24, y: 40, text: 'No images yet — pull or build one:' },
      { kind: 'text', className: 'mono', x: 24, y: 70, text: 'docker pull nginx' },
    ],
    words: { lead, items: [], ordered: false, notes: [] },
    summary: 'Layers diagram updated: no images yet.',
  };
}

/** For the summary of a container's changes: "2 added, 1 changed". */
export function changeCounts(changes: ChangesView['changes']): string {
  const kinds: ChangeKind[] = ['added', 'changed', 'deleted'];
  return listing(
    kinds.flatMap((kind) => {
      const count = changes.filter((change) => change.kind === kind).length;
      return count > 0 ? [`${count} ${kind}`] : [];
    }),
  );
}
