import { describe, expect, it } from 'vitest';
import { consoleBlocksOf, pageSetupOf } from './page-blocks.ts';

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

  it('names the line of a block whose meta is wrong', () => {
    expect(() => consoleBlocksOf('text\n```console exit=maybe\n$ true\n```')).toThrow(/line 2: exit must be/);
  });

  it('reads the page setup from the frontmatter', () => {
    expect(pageSetupOf(page)).toEqual(['docker pull busybox', 'mkdir -p ~/demo']);
    expect(pageSetupOf('---\ntitle: x\n---\n')).toEqual([]);
  });
});
