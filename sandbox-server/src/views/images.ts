import { z } from 'zod';
import type { Image, LayersView } from '../contract/views.ts';
import { ApiError } from '../errors/index.ts';
import type { SandboxAccess } from '../sandboxes/driver.ts';
import type { HostName } from '../sandboxes/hosts.ts';
import { innerGet, okBody, unreadable } from './inner-engine.ts';
import { imagePart, shortId } from './names.ts';

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
export async function listImages(driver: SandboxAccess, sessionId: string, host: HostName): Promise<Image[]> {
  const [answer] = await innerGet(driver, sessionId, host, ['/images/json']);
  const parsed = z.array(ImageSummary).safeParse(okBody(answer));
  if (!parsed.success) throw unreadable();
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
export async function imageLayers(
  driver: SandboxAccess,
  sessionId: string,
  host: HostName,
  ref: string,
): Promise<LayersView> {
  const part = imagePart(ref);
  const [inspect, history] = await innerGet(driver, sessionId, host, [
    `/images/${part}/json`,
    `/images/${part}/history`,
  ]);
  const missing = () => new ApiError('no_such_image', `There is no image ${ref} in your sandbox.`);
  const image = ImageInspect.safeParse(okBody(inspect, missing));
  const layers = History.safeParse(okBody(history, missing));
  if (!image.success || !layers.success) throw unreadable();
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
 * The Dockerfile instruction behind a history entry, the same for both builders. The classic
 * builder records `RUN x` as `/bin/sh -c x` and other instructions as `/bin/sh -c #(nop) INSTR`;
 * BuildKit records `RUN /bin/sh -c x # buildkit` and other instructions as written. Build
 * arguments, when a step used them, come first as `|N NAME=value …`.
 */
export function instructionOf(createdBy: string): string {
  let text = createdBy.replace(/\s+# buildkit$/, '').trim();
  const run = /^RUN\s+/.test(text);
  text = text
    .replace(/^RUN\s+/, '')
    .replace(/^\|\d+ (?:\S+=\S* )*/, '')
    .trim();
  const nop = /^\/bin\/sh -c #\(nop\)\s*(.*)$/s.exec(text);
  if (nop) return (nop[1] ?? '').trim();
  const shell = /^\/bin\/sh -c (.*)$/s.exec(text);
  if (shell) return `RUN ${(shell[1] ?? '').trim()}`;
  return run ? `RUN ${text}` : text;
}
