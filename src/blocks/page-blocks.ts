import { type BlockMeta, parseBlockMeta } from './block-meta.ts';
import { CONSOLE_LANGUAGES, parseConsoleBlock } from './console-block.ts';

/** A console block as the guide runner sees it: where it is, what it runs, what the author said. */
export type PageBlock = { line: number; heading: string; meta: BlockMeta; commands: string[] };

const FENCE = /^\s{0,3}(`{3,}|~{3,})\s*([^\s`]*)\s*(.*)$/;

/** The console blocks of a Markdown or MDX page, in order, with the heading each stands under. */
export function consoleBlocksOf(source: string): PageBlock[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const blocks: PageBlock[] = [];
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const open = FENCE.exec(line);
    if (!open) {
      const title = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
      if (title) heading = title[1] ?? '';
      continue;
    }
    const fence = open[1] ?? '```';
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = lines[j] ?? '';
      if (
        close.trim().startsWith(fence[0] ?? '`') &&
        /^\s*([`~])\1{2,}\s*$/.test(close) &&
        close.trim().length >= fence.length
      ) {
        break;
      }
      body.push(close);
    }
    if (CONSOLE_LANGUAGES.has(open[2] ?? '')) {
      const { commands } = parseConsoleBlock(body.join('\n'));
      let meta: BlockMeta;
      try {
        meta = parseBlockMeta(open[3] ?? '');
      } catch (error) {
        throw new Error(`line ${i + 1}: ${(error as Error).message}`);
      }
      if (commands.length > 0) blocks.push({ line: i + 1, heading, meta, commands });
    }
    i = j;
  }
  return blocks;
}

/** The commands a page's frontmatter lists under `setup:`, run before its first block. */
export function pageSetupOf(source: string): string[] {
  const frontmatter = /^---\n([\s\S]*?)\n---/.exec(source.replace(/\r\n?/g, '\n'))?.[1] ?? '';
  const setup = /^setup:\s*\n((?:[ \t]+-.*\n?)+)/m.exec(frontmatter)?.[1] ?? '';
  return setup
    .split('\n')
    .map((line) => /^\s+-\s+(.*)$/.exec(line)?.[1]?.trim() ?? '')
    .filter(Boolean)
    .map((item) => (/^(['"]).*\1$/.test(item) ? item.slice(1, -1) : item));
}
