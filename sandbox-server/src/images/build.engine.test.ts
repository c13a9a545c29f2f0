import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_IMAGE, ensureBaseImage } from './base.ts';
import { BUILD_HASH_LABEL, ensureImage, inspectImage } from './build.ts';
import { ensureCatalog } from './catalog.ts';

const docker = new Docker();
const tag = `berth/build-test:${process.pid}`;
const lines: string[] = [];
const log = (line: string) => lines.push(line);

describe('ensureImage', () => {
  let contextDir: string;

  beforeAll(async () => {
    await ensureBaseImage({ docker, log });
    contextDir = await mkdtemp(path.join(tmpdir(), 'berth-build-'));
    await writeFile(
      path.join(contextDir, 'Dockerfile'),
      `FROM ${BASE_IMAGE}\nCOPY note /note\nRUN cat /note\n`,
    );
    await writeFile(path.join(contextDir, 'note'), 'first\n');
  });

  afterAll(async () => {
    await rm(contextDir, { recursive: true, force: true });
    await docker
      .getImage(tag)
      .remove({ force: true })
      .catch(() => {});
  });

  it('builds the first time and labels the image with the context hash', async () => {
    const result = await ensureImage({ docker, contextDir, tag, log });
    expect(result).toMatchObject({ ref: tag, built: true });
    expect(lines.join('\n')).toContain('first');
    const image = await inspectImage(docker, tag);
    expect(image?.Config.Labels?.[BUILD_HASH_LABEL]).toMatch(/^sha256:/);
  });

  it('builds nothing the second time', async () => {
    lines.length = 0;
    const result = await ensureImage({ docker, contextDir, tag, log });
    expect(result).toEqual({ ref: tag, built: false });
    expect(lines).toEqual([]);
  });

  it('rebuilds when a file of the context changes', async () => {
    await writeFile(path.join(contextDir, 'note'), 'second\n');
    const result = await ensureImage({ docker, contextDir, tag, log });
    expect(result).toMatchObject({ ref: tag, built: true });
    expect(lines.join('\n')).toContain('second');
  });

  it('reports the failing step when the build fails', async () => {
    await writeFile(path.join(contextDir, 'Dockerfile'), `FROM ${BASE_IMAGE}\nRUN exit 3\n`);
    await expect(ensureImage({ docker, contextDir, tag, log })).rejects.toThrow(
      /RUN exit 3.*returned a non-zero code: 3/,
    );
  });
});

describe('ensureCatalog', () => {
  it('builds the catalog once and then nothing until its definition changes', async () => {
    const first = await ensureCatalog({ docker, log });
    lines.length = 0;
    const second = await ensureCatalog({ docker, log });
    expect(second.results.map((result) => result.built)).toEqual(second.results.map(() => false));
    expect(lines).toEqual([]);
    expect(second.hash).toBe(first.hash);
    expect(second.images).toContainEqual({
      local: 'berth/catalog/debian:bookworm',
      repository: 'library/debian',
      tag: 'bookworm',
    });
    // Another tag of an image is the same image.
    const trixie = await inspectImage(docker, 'berth/catalog/debian:trixie');
    expect((await inspectImage(docker, 'berth/catalog/debian:latest'))?.Id).toBe(trixie?.Id);
  });
});
