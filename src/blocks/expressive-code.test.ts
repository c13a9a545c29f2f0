import { ExpressiveCodeEngine } from '@expressive-code/core';
import { toHtml } from 'hast-util-to-html';
import { describe, expect, it } from 'vitest';
import { runnableBlocks } from './expressive-code.ts';

const engine = new ExpressiveCodeEngine({ plugins: [runnableBlocks()] });

async function render(code: string, language: string, meta = ''): Promise<string> {
  const { renderedGroupAst } = await engine.render({ code, language, meta });
  return toHtml(renderedGroupAst);
}

describe('runnable console blocks at build time', () => {
  it('get Run and Copy, with the commands in a data attribute and output lines marked', async () => {
    const html = await render('$ docker ps\nCONTAINER ID   IMAGE\n# systemctl start docker', 'console');
    expect(html).toContain('data-commands="[&#x22;docker ps&#x22;,&#x22;systemctl start docker&#x22;]"');
    expect(html).toMatch(/<button[^>]*data-action="run"[^>]*>Run<\/button>/);
    expect(html).toMatch(/<button[^>]*data-action="copy"[^>]*>Copy<\/button>/);
    expect(html.match(/berth-output/g)).toHaveLength(1);
  });

  it('show the reason instead of Run when marked not runnable, and keep Copy', async () => {
    const html = await render('$ sudo chcon -Rt svirt_sandbox_file_t .', 'console', 'norun="SELinux only"');
    expect(html).not.toContain('data-action="run"');
    expect(html).toContain('data-action="copy"');
    expect(html).toMatch(/Not runnable here: <\/strong>SELinux only/);
  });

  it('run shell-script blocks that carry $ prompts, where # is a comment', async () => {
    const html = await render('# list what runs\n$ docker ps\nCONTAINER ID', 'bash');
    expect(html).toContain('data-commands="[&#x22;docker ps&#x22;]"');
    expect(await render('docker ps\ndocker images', 'bash')).not.toContain('berth-block');
  });

  it('leave other languages and prompt-less output alone', async () => {
    expect(await render('FROM debian:trixie', 'dockerfile')).not.toContain('berth-block');
    const output = await render('Active: active (running)', 'console');
    expect(output).not.toContain('data-action');
    expect(output).toContain('berth-output');
  });

  it('make every block keyboard-scrollable, and keep the buttons out of the search index', async () => {
    for (const [code, language] of [
      ['$ docker ps', 'console'],
      ['FROM debian:trixie', 'dockerfile'],
    ]) {
      expect(await render(code as string, language as string)).toMatch(/<pre[^>]*tabindex="0"/);
    }
    expect(await render('$ docker ps', 'console')).toMatch(
      /<div class="berth-block-actions" data-pagefind-ignore="">/,
    );
  });
});
