import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { imageRunner } from '../testing/run-image.ts';
import { inspectImage } from './build.ts';
import { catalogLocal, ensureCatalog } from './catalog.ts';
import { ensureTeamImages, readTeamCatalogs } from './team-catalog.ts';

const docker = new Docker();
const team = `berth-test-${randomUUID().slice(0, 8)}`;
const pages = mkdtempSync(path.join(tmpdir(), 'berth-team-pages-'));
const dir = path.join(pages, 'catalog');
const run = imageRunner(docker, team, { 'berth.test': 'images' });

function write(files: Record<string, string>) {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
}

describe("a team's own images", () => {
  afterAll(async () => {
    rmSync(pages, { recursive: true, force: true });
    const images = await docker.listImages({
      filters: JSON.stringify({ reference: [`*/${team}/*`, `${team}/*`] }),
    });
    for (const image of images)
      await docker
        .getImage(image.Id)
        .remove({ force: true })
        .catch(() => {});
  });

  it('are built on the catalog’s stand-ins, in order, cached, and listed ones are checked', async () => {
    await ensureCatalog({ docker, log: () => {} });
    await docker.getImage('berth/catalog/busybox:latest').tag({ repo: `${team}/loaded`, tag: '2' });
    write({
      // Named as Docker Hub names them; the engine only has the stand-ins under Berth's own names.
      [`${team}/base/Dockerfile`]: 'FROM python:3-slim\nRUN echo base > /base.txt\n',
      [`${team}/app/Dockerfile`]: `FROM ${team}/base\nCOPY hello.py /hello.py\nCMD ["python", "/hello.py"]\n`,
      [`${team}/app/hello.py`]: 'import sys\nprint(open("/base.txt").read().strip(), sys.version_info[0])\n',
      [`${team}/app/tags`]: 'latest\n1.0\n',
      images: `${team}/loaded:2\n`,
    });
    const images = readTeamCatalogs([dir]);
    const first = await ensureTeamImages({ docker, log: () => {}, images, catalogLocal });
    expect(first.served.map(({ repository, tag }) => `${repository}:${tag}`).sort()).toEqual(
      [`${team}/app:1.0`, `${team}/app:latest`, `${team}/base:latest`, `${team}/loaded:2`].sort(),
    );
    const app = first.served.find((image) => image.repository === `${team}/app` && image.tag === 'latest');
    const release = first.served.find((image) => image.tag === '1.0');
    expect(app?.local).toBe(`berth/team/${team}/app:latest`);
    expect((await inspectImage(docker, release?.local ?? ''))?.Id).toBe(
      (await inspectImage(docker, app?.local ?? ''))?.Id,
    );
    expect(first.served.find((image) => image.repository === `${team}/loaded`)?.local).toBe(
      `${team}/loaded:2`,
    );
    expect((await run(app?.local ?? '', [])).output).toBe('base 3\n');

    const second = await ensureTeamImages({ docker, log: () => {}, images, catalogLocal });
    expect(second.results.every((result) => !result.built)).toBe(true);

    await docker.getImage(`${team}/loaded:2`).remove();
    await expect(ensureTeamImages({ docker, log: () => {}, images, catalogLocal })).rejects.toThrow(
      new RegExp(`catalog/images:1: ${team}/loaded:2 is not an image on this Docker engine`),
    );
  });

  it('say which Dockerfile failed to build, and why', async () => {
    write({ [`${team}/broken/Dockerfile`]: 'FROM debian:trixie\nRUN exit 3\n' });
    const images = readTeamCatalogs([dir]).filter((image) => image.repository === `${team}/broken`);
    await expect(ensureTeamImages({ docker, log: () => {}, images, catalogLocal })).rejects.toThrow(
      new RegExp(
        `catalog/${team}/broken/Dockerfile: building berth/team/${team}/broken:latest failed at Step \\d+/\\d+ : RUN exit 3`,
      ),
    );
  });
});
