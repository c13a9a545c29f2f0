import { definePlugin, type ExpressiveCodePlugin } from '@expressive-code/core';
import type { Element } from 'hast';
import { h } from 'hastscript';
import { type BlockMeta, parseBlockMeta } from './block-meta.ts';
import { CONSOLE_LANGUAGES, parseConsoleBlock } from './console-block.ts';

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
        if (!CONSOLE_LANGUAGES.has(codeBlock.language)) return;
        const block = parseConsoleBlock(codeBlock.code);
        const figure = renderData.blockAst;
        linesOf(figure).forEach((line, index) => {
          if (block.lines[index] === 'output') addClass(line, 'berth-output');
        });
        if (block.commands.length === 0) return; // shown output only: nothing to run or copy
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
          h('span', { className: ['berth-block-status'], role: 'status' }),
        ];
        figure.children.push(h('div', { className: ['berth-block-actions'] }, buttons.flat()));
      },
    },
  });
}
