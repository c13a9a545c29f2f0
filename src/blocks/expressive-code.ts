import { readFileSync } from 'node:fs';
import { definePlugin, type ExpressiveCodePlugin } from '@expressive-code/core';
import type { Element } from 'hast';
import { h } from 'hastscript';
import { type BlockMeta, parseBlockMeta } from './block-meta.ts';
import { CONSOLE_LANGUAGES, parseConsoleBlock, runnableBlock } from './console-block.ts';
import { type PageSettings, pageSettingsOf } from './page-blocks.ts';

function addClass(element: Element, name: string): void {
  const current = element.properties.className;
  const list = Array.isArray(current) ? current.map(String) : current ? String(current).split(' ') : [];
  element.properties.className = [...list, name];
}

function linesOf(root: Element): Element[] {
  const found: Element[] = [];
  const walk = (node: Element) => {
    for (const child of node.children) {
      if (child.type !== 'element') continue;
      const className = child.properties.className;
      if (Array.isArray(className) && className.includes('ec-line')) found.push(child);
      else walk(child);
    }
  };
  walk(root);
  return found;
}

/** The block's `pre`, which scrolls sideways when a line is long. */
function preOf(root: Element): Element | undefined {
  if (root.tagName === 'pre') return root;
  for (const child of root.children) {
    const found = child.type === 'element' ? preOf(child) : undefined;
    if (found) return found;
  }
  return undefined;
}

const settings = new Map<string, PageSettings>();

/** The page's own say on its blocks (`promptless:`), read once per page from its file. */
function settingsOf(path: string | undefined): Partial<PageSettings> {
  if (!path) return {};
  let found = settings.get(path);
  if (!found) {
    found = pageSettingsOf(readFileSync(path, 'utf8'));
    settings.set(path, found);
  }
  return found;
}

/**
 * Makes every console block runnable at build time: its commands go into a data attribute and it
 * gets Run and Copy buttons, wired in the browser by ./block-actions.ts. A block with
 * `norun="reason"` in its meta gets Copy and the reason instead of Run.
 */
export function runnableBlocks(): ExpressiveCodePlugin {
  return definePlugin({
    name: 'berth-runnable-blocks',
    hooks: {
      postprocessRenderedBlock: ({ codeBlock, renderData }) => {
        // Focusable, so a keyboard reader can scroll a long line into view (axe: scrollable-region-focusable).
        const pre = preOf(renderData.blockAst);
        if (pre) pre.properties.tabIndex = 0;
        const page = settingsOf(codeBlock.parentDocument?.sourceFilePath);
        const block = runnableBlock(codeBlock.language, codeBlock.code, page);
        const shown =
          block ??
          (CONSOLE_LANGUAGES.has(codeBlock.language) ? parseConsoleBlock(codeBlock.code) : undefined);
        if (!shown) return;
        const figure = renderData.blockAst;
        linesOf(figure).forEach((line, index) => {
          if (shown.lines[index] === 'output') addClass(line, 'berth-output');
        });
        if (!block) return; // shown output only: nothing to run or copy
        let meta: BlockMeta;
        try {
          meta = parseBlockMeta(codeBlock.meta);
        } catch (error) {
          // Fails the build, naming the block: a wrong annotation must not ship silently.
          throw new Error(`console block \`${block.commands[0]}\`: ${(error as Error).message}`);
        }
        addClass(figure, 'berth-block');
        const { norun, ...running } = meta;
        figure.properties.dataCommands = JSON.stringify(block.commands);
        // What the programs the commands open are given, at their own prompts (`/ # ls`).
        if (block.inputs.some((lines) => lines.length > 0))
          figure.properties.dataInputs = JSON.stringify(block.inputs);
        // How the block ends, for Run with setup, which replays it before a later block.
        if (Object.keys(running).length > 0) figure.properties.dataMeta = JSON.stringify(running);
        const buttons = [
          norun === undefined
            ? [
                h('button', { type: 'button', className: ['berth-run'], dataAction: 'run' }, 'Run'),
                h(
                  'button',
                  {
                    type: 'button',
                    className: ['berth-run-setup'],
                    dataAction: 'run-setup',
                    title: "Run the page's setup and every block before this one, then this one",
                  },
                  'Run with setup',
                ),
              ]
            : h('span', { className: ['berth-norun'] }, [h('strong', 'Not runnable here: '), norun]),
          h('button', { type: 'button', className: ['berth-copy'], dataAction: 'copy' }, 'Copy'),
          // Where it runs, when that is not the reader's first host.
          meta.host && meta.host !== 'node1'
            ? h('span', { className: ['berth-block-host'] }, `on ${meta.host}`)
            : [],
          h('span', { className: ['berth-block-status'], role: 'status' }),
        ];
        // The buttons' words are not the guide's: search indexes what the page says, not "Run with setup".
        figure.children.push(
          h('div', { className: ['berth-block-actions'], dataPagefindIgnore: '' }, buttons.flat()),
        );
      },
    },
  });
}
