import { describe, expect, it } from 'vitest';
import { consoleBlocksOf, pageSettingsOf, pageSetupOf } from './page-blocks.ts';

const page = [
  '---',
  'title: Demo',
  'setup:',
  '  - docker pull busybox',
  "  - 'mkdir -p ~/demo'",
  '---',
  '## Images',
  '```console',
  '$ docker images',
  'REPOSITORY   TAG',
  '```',
  '````md',
  '```console',
  '$ not a block: inside another fence',
  '```',
  '````',
  '## Running',
  '```console until="root@" then="exit"',
  '$ docker run -it debian bash',
  '```',
  '```console norun="SELinux only"',
  '$ chcon -t x .',
  '```',
  '```console',
  'only output',
  '```',
].join('\n');

describe('page blocks', () => {
  it('finds console blocks in order, with their heading and meta, skipping nested and output-only ones', () => {
    const blocks = consoleBlocksOf(page);
    expect(blocks.map((b) => [b.line, b.heading, b.commands])).toEqual([
      [8, 'Images', ['docker images']],
      [18, 'Running', ['docker run -it debian bash']],
      [21, 'Running', ['chcon -t x .']],
    ]);
    expect(blocks[1]?.meta).toEqual({ until: 'root@', ending: 'exit' });
    expect(blocks[2]?.meta).toEqual({ norun: 'SELinux only' });
  });

  it('finds blocks inside list items and quotes, as the site renders them', () => {
    const steps = [
      '1. Start a container:',
      '',
      '    ```console',
      '    $ docker run -d --name web nginx',
      '    ```',
      '',
      '2. Look at it:',
      '',
      '    ```bash',
      '    # what runs',
      '    $ docker ps',
      '    ```',
      '',
      '> ```console',
      '> $ docker logs web',
      '> ```',
      '',
      '```bash',
      'echo a script, not a session',
      '```',
    ].join('\n');
    expect(consoleBlocksOf(steps).map((b) => [b.line, b.commands])).toEqual([
      [3, ['docker run -d --name web nginx']],
      [9, ['docker ps']],
      [14, ['docker logs web']],
    ]);
  });

  it('runs prompt-less script blocks line by line only where the page says so', () => {
    const block = [
      '```sh',
      'docker network create demo',
      '# a comment stays a comment',
      'docker network ls \\',
      '  --filter name=demo',
      '```',
    ];
    expect(consoleBlocksOf(block.join('\n'))).toEqual([]);
    const page = ['---', 'title: Classroom', 'promptless: true', '---', ...block].join('\n');
    expect(consoleBlocksOf(page).map((b) => b.commands)).toEqual([
      ['docker network create demo', 'docker network ls \\\n  --filter name=demo'],
    ]);
  });

  it('reads a .md page without MDX: a brace in the text is only text', () => {
    const page = 'Sets look like {1, 2.\n\n```console\n$ echo {a,b}\n```';
    expect(consoleBlocksOf(page, 'md').map((b) => b.commands)).toEqual([['echo {a,b}']]);
    expect(() => consoleBlocksOf(page, 'mdx')).toThrow();
  });

  it('names the line of a block whose meta is wrong', () => {
    expect(() => consoleBlocksOf('text\n```console exit=maybe\n$ true\n```')).toThrow(/line 2: exit must be/);
  });

  it('reads the page setup from the frontmatter', () => {
    expect(pageSetupOf(page)).toEqual(['docker pull busybox', 'mkdir -p ~/demo']);
    expect(pageSetupOf('---\ntitle: x\n---\n')).toEqual([]);
  });

  it('reads the images a page uses, as a block list or in brackets', () => {
    expect(pageSettingsOf('---\ntitle: x\nimages:\n  - python:3-slim\n  - "redis"\n---\n').images).toEqual([
      'python:3-slim',
      'redis',
    ]);
    expect(pageSettingsOf("---\ntitle: x\nimages: [postgres:17, 'acme/api:1.4']\n---\n").images).toEqual([
      'postgres:17',
      'acme/api:1.4',
    ]);
    expect(pageSettingsOf('---\ntitle: x\n---\n').images).toEqual([]);
  });
});
