import { describe, expect, it } from 'vitest';
import {
  CHANGES_SHOWN,
  changeCounts,
  cleanInstruction,
  layersScene,
  noImagesScene,
} from './layers-layout.ts';
import type { Shape } from './scene.ts';
import type { ChangesView, Container, Layer } from './views-api.ts';

const layer = (instruction: string, size: number, comment = ''): Layer => ({
  instruction,
  size,
  created: '2025-01-01T00:00:00Z',
  comment,
});

// Build order, as the server lists them: the base first.
const nginx: Layer[] = [
  layer('', 74_800_000, 'Imported from -'),
  layer('RUN /bin/sh -c apt-get update && apt-get install -y nginx # buildkit', 61_234_567),
  layer('EXPOSE map[80/tcp:{}]', 0),
  layer('CMD ["nginx" "-g" "daemon off;"]', 0),
];

const web: Container = {
  id: 'abcdefabcdef',
  name: 'web',
  image: 'nginx',
  state: 'running',
  status: 'Up 2 seconds',
  ports: [],
  endpoints: [],
};

const texts = (shapes: Shape[]) =>
  shapes.flatMap((shape) => (shape.kind === 'text' ? [shape.full ?? shape.text] : []));
const rects = (shapes: Shape[]) => shapes.flatMap((shape) => (shape.kind === 'rect' ? [shape] : []));

describe('the live layers diagram', () => {
  it('stacks the layers with the base at the bottom and the newest step on top', () => {
    const scene = layersScene({ ref: 'nginx:latest', layers: nginx });
    const layerRects = rects(scene.shapes);
    expect(layerRects).toHaveLength(4);
    // Drawn top to bottom: CMD, EXPOSE, RUN, base.
    const ys = layerRects.map((rect) => rect.y);
    expect([...ys].sort((a, b) => a - b)).toEqual(ys);
    expect(scene.words.items.map((item) => item.text)).toEqual([
      'CMD ["nginx" "-g" "daemon off;"] — 0 B, metadata only (no files)',
      'EXPOSE map[80/tcp:{}] — 0 B, metadata only (no files)',
      'RUN apt-get update && apt-get install -y nginx — 61.2 MB',
      'base layer: file system from docker import — 74.8 MB',
    ]);
    expect(scene.words.ordered).toBe(true);
    expect(scene.words.lead).toBe(
      'nginx:latest, live: 4 image layers (2 with files, 2 metadata only), from the top down to the base.',
    );
  });

  it('draws metadata-only steps thinner, as metadata', () => {
    const scene = layersScene({ ref: 'nginx:latest', layers: nginx });
    const [cmd, , run] = rects(scene.shapes);
    expect(cmd?.className).toBe('chip-hidden');
    expect(run?.className).toBe('box-accent');
    expect(cmd?.height).toBeLessThan(run?.height ?? 0);
  });

  it('cuts a long instruction in the drawing and keeps it whole as a tooltip and in the words', () => {
    const long = `RUN ${'apt-get install -y something-long '.repeat(5).trim()}`;
    const scene = layersScene({ ref: 'demo', layers: [layer(long, 1000)] });
    const drawn = scene.shapes.find((shape) => shape.kind === 'text' && shape.full === long);
    expect(drawn?.kind === 'text' && drawn.text.length).toBeLessThanOrEqual(52);
    expect(scene.words.items[0]?.text).toBe(`base layer: ${long} — 1 kB`);
    expect(scene.desc).toContain(long);
  });

  it('puts the container’s read-write layer on top, with what it changed', () => {
    const changes: ChangesView = {
      container: web,
      sizeRw: 2_148,
      changes: [
        { path: '/tmp', kind: 'changed' },
        { path: '/tmp/berth-was-here', kind: 'added' },
        { path: '/etc/motd', kind: 'deleted' },
      ],
      truncated: false,
    };
    const scene = layersScene({ ref: 'nginx:latest', layers: nginx, changes });
    const [top] = rects(scene.shapes);
    expect(top?.className).toBe('box-green');
    expect(texts(scene.shapes)).toEqual(
      expect.arrayContaining([
        'Container layer: web',
        'read-write, 2.15 kB',
        'A /tmp/berth-was-here',
        'D /etc/motd',
      ]),
    );
    expect(scene.words.items[0]).toEqual({
      kind: 'container',
      text: 'container layer of web (read-write, 2.15 kB): changed /tmp; added /tmp/berth-was-here; deleted /etc/motd',
    });
    expect(scene.words.items.filter((item) => item.kind === 'layer')).toHaveLength(4);
    expect(scene.summary).toBe(
      'Layers diagram updated: nginx:latest and container web, 1 added, 1 changed and 1 deleted.',
    );
  });

  it('shows at most 20 changed files and counts the rest', () => {
    const changes: ChangesView = {
      container: web,
      sizeRw: 0,
      changes: Array.from({ length: 45 }, (_, i) => ({ path: `/data/file-${i}`, kind: 'added' as const })),
      truncated: false,
    };
    const scene = layersScene({ ref: 'nginx:latest', layers: nginx, changes });
    const files = texts(scene.shapes).filter((text) => text.startsWith('A /data/'));
    expect(files).toHaveLength(CHANGES_SHOWN);
    expect(texts(scene.shapes)).toContain('and 25 more');
    expect(scene.words.items[0]?.text).toMatch(/added \/data\/file-19; and 25 more$/);
    for (const shape of scene.shapes)
      if (shape.kind === 'rect') expect(shape.y + shape.height).toBeLessThanOrEqual(scene.height);
  });

  it('says so when a container changed nothing yet', () => {
    const scene = layersScene({
      ref: 'nginx:latest',
      layers: nginx,
      changes: { container: web, sizeRw: 0, changes: [], truncated: false },
    });
    expect(texts(scene.shapes)).toContain('no files changed yet');
    expect(scene.words.items[0]?.text).toBe('container layer of web (read-write, 0 B): no files changed yet');
  });

  it('suggests pulling an image when there is none', () => {
    expect(noImagesScene().words.lead).toMatch(/no images yet/);
  });
});

describe('instructions as the reader wrote them', () => {
  it('drops the shell wrapper and the builder’s notes', () => {
    expect(cleanInstruction(layer('/bin/sh -c #(nop)  CMD ["nginx"]', 0))).toBe('CMD ["nginx"]');
    expect(cleanInstruction(layer('/bin/sh -c apt-get update', 1))).toBe('RUN apt-get update');
    expect(cleanInstruction(layer('RUN /bin/sh -c apt-get update # buildkit', 1))).toBe('RUN apt-get update');
    expect(cleanInstruction(layer('COPY index.html /var/www/ # buildkit', 1))).toBe(
      'COPY index.html /var/www/',
    );
    expect(cleanInstruction(layer('', 1, 'Imported from -'))).toBe('file system from docker import');
    expect(cleanInstruction(layer('', 1, 'made by hand'))).toBe('made by hand');
    expect(cleanInstruction(layer('', 1))).toBe('(no instruction recorded)');
  });
});

describe('change counts', () => {
  it('counts each kind that occurs', () => {
    expect(changeCounts([{ path: '/a', kind: 'added' }])).toBe('1 added');
    expect(changeCounts([])).toBe('');
  });
});
