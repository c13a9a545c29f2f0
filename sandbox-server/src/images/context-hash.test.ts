import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashBuildContext } from './context-hash.ts';

describe('hashBuildContext', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'berth-hash-'));
    await writeFile(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
    await mkdir(path.join(dir, 'bin'));
    await writeFile(path.join(dir, 'bin', 'run'), '#!/bin/sh\n');
    await chmod(path.join(dir, 'bin', 'run'), 0o755);
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives the same hash for the same tree', async () => {
    expect(await hashBuildContext(dir)).toBe(await hashBuildContext(dir));
    expect(await hashBuildContext(dir)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('changes when a file changes', async () => {
    const before = await hashBuildContext(dir);
    await writeFile(path.join(dir, 'bin', 'run'), '#!/bin/sh\necho hi\n');
    expect(await hashBuildContext(dir)).not.toBe(before);
  });

  it('changes when a mode changes', async () => {
    const before = await hashBuildContext(dir);
    await chmod(path.join(dir, 'bin', 'run'), 0o644);
    expect(await hashBuildContext(dir)).not.toBe(before);
  });

  it('changes when a file is added, even an empty one', async () => {
    const before = await hashBuildContext(dir);
    await writeFile(path.join(dir, 'bin', 'empty'), '');
    expect(await hashBuildContext(dir)).not.toBe(before);
  });

  it('changes when a file moves, even with the same content', async () => {
    await writeFile(path.join(dir, 'a'), 'same');
    const before = await hashBuildContext(dir);
    await rm(path.join(dir, 'a'));
    await writeFile(path.join(dir, 'bin', 'a'), 'same');
    expect(await hashBuildContext(dir)).not.toBe(before);
  });

  it('folds in extra inputs such as the base image id', async () => {
    expect(await hashBuildContext(dir, ['sha256:1'])).not.toBe(await hashBuildContext(dir, ['sha256:2']));
  });
});
