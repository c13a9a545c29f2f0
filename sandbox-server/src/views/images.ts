import { z } from 'zod';
import { ApiError } from '../errors/index.ts';
import type { SandboxDriver } from '../sandboxes/driver.ts';
import { malformed } from './containers.ts';
import { innerGet, okBody } from './inner-engine.ts';
import { imagePart, shortId } from './names.ts';

export type Image = { id: string; tags: string[]; size: number; created: string };
export type Layer = { instruction: string; size: number; created: string; comment: string };

const ImageSummary = z.object({
  Id: z.string(),
  RepoTags: z.array(z.string()).nullable().default([]),
  Size: z.number().default(0),
  Created: z.number().default(0),
});
const ImageInspect = z.object({
  Id: z.string(),
  RepoTags: z.array(z.string()).nullable().default([]),
  Size: z.number().default(0),
  Created: z.string().default(''),
});
const History = z.array(
  z.object({
    Created: z.number().default(0),
    CreatedBy: z.string().default(''),
    Size: z.number().default(0),
    Comment: z.string().default(''),
  }),
);

const realTags = (tags: string[] | null) => (tags ?? []).filter((tag) => tag !== '<none>:<none>');
const isoFromSeconds = (seconds: number) => new Date(seconds * 1000).toISOString();

/** The reader's images, newest first, as `docker images` lists them. */
export async function listImages(driver: SandboxDriver, sessionId: string): Promise<Image[]> {
  const [answer] = await innerGet(driver, sessionId, ['/images/json']);
  const parsed = z.array(ImageSummary).safeParse(okBody(answer, malformed));
  if (!parsed.success) throw malformed();
  return parsed.data
    .sort((a, b) => b.Created - a.Created)
    .map((image) => ({
      id: shortId(image.Id),
      tags: realTags(image.RepoTags),
      size: image.Size,
      created: isoFromSeconds(image.Created),
    }));
}

/** An image and its layers in build order, the base first: `docker history` read bottom up. */
export async function imageLayers(driver: SandboxDriver, sessionId: string, ref: string) {
  const part = imagePart(ref);
  const [inspect, history] = await innerGet(driver, sessionId, [
    `/images/${part}/json`,
    `/images/${part}/history`,
  ]);
  const missing = () => new ApiError('no_such_image', `There is no image ${ref} in your sandbox.`);
  const image = ImageInspect.safeParse(okBody(inspect, missing));
  const layers = History.safeParse(okBody(history, missing));
  if (!image.success || !layers.success) throw malformed();
  return {
    image: {
      id: shortId(image.data.Id),
      tags: realTags(image.data.RepoTags),
      size: image.data.Size,
      created: image.data.Created,
    },
    layers: layers.data.reverse().map((step) => ({
      instruction: instructionOf(step.CreatedBy),
      size: step.Size,
      created: isoFromSeconds(step.Created),
      comment: step.Comment,
    })),
  };
}

/**
 * The Dockerfile instruction behind a history entry. The classic builder records `RUN x` as
 * `/bin/sh -c x` and other instructions as `/bin/sh -c #(nop) INSTR`; BuildKit appends `# buildkit`;
 * build arguments come first as `|N NAME=value …`.
 */
export function instructionOf(createdBy: string): string {
  const text = createdBy
    .replace(/\s+# buildkit$/, '')
    .replace(/^\|\d+ (?:\S+=\S* )*/, '')
    .trim();
  const nop = /^\/bin\/sh -c #\(nop\)\s*(.*)$/s.exec(text);
  if (nop) return (nop[1] ?? '').trim();
  const shell = /^\/bin\/sh -c (.*)$/s.exec(text);
  if (shell) return `RUN ${(shell[1] ?? '').trim()}`;
  return text;
}
