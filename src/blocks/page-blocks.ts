import type { Code, Heading, Nodes } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { mdxFromMarkdown } from 'mdast-util-mdx';
import { gfm } from 'micromark-extension-gfm';
import { mdxjs } from 'micromark-extension-mdxjs';
import { type BlockMeta, parseBlockMeta } from './block-meta.ts';
import { runnableBlock } from './console-block.ts';

/** A runnable block as the guide runner sees it: where it is, what it runs, what the author said. */
export type PageBlock = {
  line: number;
  heading: string;
  meta: BlockMeta;
  commands: string[];
  /** For each command, the lines typed into the program it opens (see ConsoleBlock). */
  inputs: string[][];
};

/** What a page's frontmatter says about running it. */
export type PageSettings = {
  /** Commands run before its first block (`setup:`). */
  setup: string[];
  /** Shell-script blocks with no prompt run line by line (`promptless: true`). */
  promptless: boolean;
  /** Images pulled into the reader's sandbox while they read (`images:`). */
  images: string[];
  /** Hosts the page's reader needs in all, node1 among them (`hosts:`); 1 when it says nothing. */
  hosts: number;
};

const FRONTMATTER = /^---\n([\s\S]*?)\n---(?:\n|$)/;

function normalized(source: string): string {
  return source.replace(/\r\n?/g, '\n');
}

/**
 * The page's Markdown tree, parsed as the site parses it (micromark, with GFM, and MDX for .mdx),
 * so a block the site renders runnable is the block the runner runs: fenced, indented four spaces
 * inside a list item, or quoted. The frontmatter is blanked, keeping line numbers.
 */
function treeOf(source: string, format: 'md' | 'mdx') {
  const text = normalized(source).replace(FRONTMATTER, (front) => front.replace(/[^\n]/g, ''));
  return format === 'mdx'
    ? fromMarkdown(text, {
        extensions: [mdxjs(), gfm()],
        mdastExtensions: [mdxFromMarkdown(), gfmFromMarkdown()],
      })
    : fromMarkdown(text, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
}

function textOf(node: Nodes): string {
  if ('value' in node && typeof node.value === 'string') return node.value;
  return 'children' in node ? node.children.map((child) => textOf(child as Nodes)).join('') : '';
}

/** The runnable blocks of a Markdown or MDX page, in order, with the heading each stands under. */
export function consoleBlocksOf(source: string, format: 'md' | 'mdx' = 'mdx'): PageBlock[] {
  const settings = pageSettingsOf(source);
  const blocks: PageBlock[] = [];
  let heading = '';
  const visit = (node: Nodes) => {
    if (node.type === 'heading') heading = textOf(node as Heading).trim();
    if (node.type === 'code') {
      const code = node as Code;
      const block = runnableBlock(code.lang ?? '', code.value, settings);
      const line = code.position?.start.line ?? 0;
      if (block) {
        let meta: BlockMeta;
        try {
          meta = parseBlockMeta(code.meta ?? '');
        } catch (error) {
          throw new Error(`line ${line}: ${(error as Error).message}`);
        }
        blocks.push({ line, heading, meta, commands: block.commands, inputs: block.inputs });
      }
    }
    if ('children' in node) for (const child of node.children) visit(child as Nodes);
  };
  visit(treeOf(source, format));
  return blocks;
}

/** What the page's frontmatter says about running it; a page without frontmatter says nothing. */
export function pageSettingsOf(source: string): PageSettings {
  const frontmatter = FRONTMATTER.exec(normalized(source))?.[1] ?? '';
  return {
    setup: listOf(frontmatter, 'setup'),
    promptless: /^promptless:\s*true\s*$/m.test(frontmatter),
    images: listOf(frontmatter, 'images'),
    hosts: Number(/^hosts:\s*(\d+)\s*$/m.exec(frontmatter)?.[1] ?? 1),
  };
}

/** A YAML list of plain strings, as a block (`- item` lines) or in brackets (`[a, b]`). */
function listOf(frontmatter: string, key: string): string[] {
  const unquoted = (item: string) => (/^(['"]).*\1$/.test(item) ? item.slice(1, -1) : item);
  const flow = new RegExp(`^${key}:\\s*\\[(.*)\\]\\s*$`, 'm').exec(frontmatter)?.[1];
  if (flow !== undefined) {
    return flow
      .split(',')
      .map((item) => unquoted(item.trim()))
      .filter(Boolean);
  }
  const block = new RegExp(`^${key}:\\s*\\n((?:[ \\t]+-.*\\n?)+)`, 'm').exec(frontmatter)?.[1] ?? '';
  return block
    .split('\n')
    .map((line) => /^\s+-\s+(.*)$/.exec(line)?.[1]?.trim() ?? '')
    .filter(Boolean)
    .map(unquoted);
}

/** The commands a page's frontmatter lists under `setup:`, run before its first block. */
export function pageSetupOf(source: string): string[] {
  return pageSettingsOf(source).setup;
}
