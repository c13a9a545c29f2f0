import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { splitReference } from './reference.ts';
import { readTeamCatalogs, resolveFroms, TeamCatalogError } from './team-catalog.ts';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A pages folder holding catalog/ with the given files (path → content). */
function catalog(files: Record<string, string>): string {
  const pages = mkdtempSync(path.join(tmpdir(), 'berth-team-'));
  made.push(pages);
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(pages, 'catalog', name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  return path.join(pages, 'catalog');
}

describe('splitReference', () => {
  it('names what Docker Hub would serve, as the mirror stores it', () => {
    expect(splitReference('python:3')).toEqual({ repository: 'library/python', tag: '3' });
    expect(splitReference('acme/api')).toEqual({ repository: 'acme/api', tag: 'latest' });
    expect(splitReference('docker.io/library/redis:8')).toEqual({ repository: 'library/redis', tag: '8' });
    expect(splitReference('acme/team/api:1.4-rc1')).toEqual({ repository: 'acme/team/api', tag: '1.4-rc1' });
  });

  it('refuses other registries, digests and names Docker would refuse', () => {
    for (const bad of [
      'ghcr.io/acme/api',
      'localhost:5000/api',
      'api@sha256:abc',
      'Acme/API',
      'api:',
      'a//b',
      '',
    ]) {
      expect(splitReference(bad), bad).toBeUndefined();
    }
  });
});

describe('readTeamCatalogs', () => {
  it('finds each folder with a Dockerfile, named by its path, with its tags', () => {
    const dir = catalog({
      'acme/greeter/Dockerfile': 'FROM python:3\n',
      'acme/greeter/tags': 'latest\n1.0  # the release\n\n',
      'tools/Dockerfile': 'FROM debian\n',
      'tools/lib/notes.txt': 'not an image',
      '.git/Dockerfile': 'FROM debian\n',
      'tools/node_modules/pkg/Dockerfile': 'FROM debian\n',
    });
    const images = readTeamCatalogs([dir]).map(({ repository, tag, from }) => ({ repository, tag, from }));
    expect(images).toEqual([
      { repository: 'acme/greeter', tag: 'latest', from: { build: path.join(dir, 'acme/greeter') } },
      { repository: 'acme/greeter', tag: '1.0', from: { build: path.join(dir, 'acme/greeter') } },
      { repository: 'library/tools', tag: 'latest', from: { build: path.join(dir, 'tools') } },
    ]);
  });

  it('lists images already on the engine from catalog/images, comments and blanks dropped', () => {
    const dir = catalog({ images: '# ours\nacme/api:1.4\n\npostgres:16   # the real one, loaded by hand\n' });
    expect(
      readTeamCatalogs([dir]).map(({ repository, tag, source, from }) => ({ repository, tag, source, from })),
    ).toEqual([
      {
        repository: 'acme/api',
        tag: '1.4',
        source: `${path.basename(path.dirname(dir))}/catalog/images:2`,
        from: { engine: 'acme/api:1.4' },
      },
      {
        repository: 'library/postgres',
        tag: '16',
        source: `${path.basename(path.dirname(dir))}/catalog/images:4`,
        from: { engine: 'postgres:16' },
      },
    ]);
  });

  it('names the file and line of a bad entry, and of a name given twice', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [
        { images: 'acme/api:1.4\nghcr.io/acme/api:1\n' },
        /catalog\/images:2: "ghcr\.io\/acme\/api:1" is not an image reference/,
      ],
      [{ 'Acme/Dockerfile': 'FROM debian\n' }, /catalog\/Acme\/Dockerfile: "Acme" is not an image name/],
      [
        { 'api/Dockerfile': 'FROM debian\n', 'api/tags': 'latest\nv 2\n' },
        /catalog\/api\/tags:2: "v 2" is not a tag/,
      ],
      [{ 'api/Dockerfile': 'FROM debian\n', 'api/tags': '# none\n' }, /catalog\/api\/tags: names no tag/],
      [
        { Dockerfile: 'FROM debian\n' },
        /catalog\/Dockerfile: each image's Dockerfile goes in a folder of its own/,
      ],
      [
        { 'api/Dockerfile': 'FROM debian\n', images: 'api\n' },
        /catalog\/images:1: library\/api:latest is also given by .*catalog\/api\/Dockerfile/,
      ],
    ];
    for (const [files, message] of cases) {
      expect(() => readTeamCatalogs([catalog(files)])).toThrow(TeamCatalogError);
      expect(() => readTeamCatalogs([catalog(files)])).toThrow(message);
    }
    const one = catalog({ 'api/Dockerfile': 'FROM debian\n' });
    const other = catalog({ 'api/Dockerfile': 'FROM busybox\n' });
    expect(() => readTeamCatalogs([one, other])).toThrow(/library\/api:latest is also given by/);
    expect(() => readTeamCatalogs([path.join(one, 'nothing-here')])).toThrow(/is not a folder/);
  });
});

describe('resolveFroms', () => {
  const local = (ref: string) =>
    ({ 'python:3-slim': 'berth/catalog/python:3-slim', 'acme/base': 'berth/team/acme/base:latest' })[ref];

  it('puts the engine’s name in place of each base it knows, stages and options kept', () => {
    const { dockerfile, bases } = resolveFroms(
      'FROM python:3-slim AS build\nRUN make\nfrom --platform=linux/amd64 acme/base\nCOPY --from=build /out /\nFROM golang:1.22\n',
      local,
    );
    expect(dockerfile).toBe(
      'FROM berth/catalog/python:3-slim AS build\nRUN make\nfrom --platform=linux/amd64 berth/team/acme/base:latest\nCOPY --from=build /out /\nFROM golang:1.22\n',
    );
    expect(bases).toEqual(['berth/catalog/python:3-slim', 'berth/team/acme/base:latest']);
  });
});
