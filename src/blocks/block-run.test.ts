import { describe, expect, it } from 'vitest';
import {
  CONTINUATION_QUIET_MS,
  PASSWORD_QUIET_MS,
  PROMPT_GRACE_MS,
  SECOND_INTERRUPT_MS,
} from './block-run.ts';
import { C, D, harness, PROMPT, PS2 } from './run-harness.ts';

describe('BlockRun', () => {
  it('types each command after the last one ended, and passes on 0', async () => {
    const h = harness(['docker ps', 'docker images']);
    h.run.start();
    expect(h.sent).toEqual(['docker ps\r']);
    await h.feed('docker ps\r\n', C, 'CONTAINER ID\r\n', D(0), PROMPT);
    expect(h.sent).toEqual(['docker ps\r', 'docker images\r']);
    await h.feed('docker images\r\n', C, 'REPOSITORY\r\n', D(0), PROMPT);
    expect(h.verdict()).toMatchObject({ outcome: 'ran', ok: true, code: 0 });
    expect(h.run.atPrompt).toBe(true);
  });

  it('stops at the first command that fails, with its code', async () => {
    const h = harness(['false', 'echo never']);
    h.run.start();
    await h.feed(C, D(1), PROMPT);
    expect(h.sent).toEqual(['false\r']);
    expect(h.verdict()).toMatchObject({ ok: false, code: 1, command: 'false', reason: 'expected exit 0' });
  });

  it('takes marks cut across chunks', async () => {
    const h = harness(['true']);
    h.run.start();
    await h.feed('\x1b]13', '3;C\x07', '\x1b]133;D;', '0\x07\x1b]133;A\x07$ \x1b', ']133;B\x07');
    expect(h.verdict()).toMatchObject({ ok: true, code: 0 });
  });

  it('fails a line the shell could not parse, never ✓: the prompt came back with nothing run', async () => {
    const h = harness(['docker stop <the-container-id>']);
    h.run.start();
    await h.feed(
      'docker stop <the-container-id>\r\n',
      "bash: syntax error near unexpected token `newline'\r\n",
      PROMPT,
    );
    expect(h.verdict()).toMatchObject({ ok: false, code: undefined });
    const verdict = h.verdict();
    expect(verdict?.outcome === 'ran' && verdict.reason).toMatch(/could not run it: bash: syntax error/);
  });

  it('passes a line of comments only, which rightly runs nothing', async () => {
    const h = harness(['# nothing to run here']);
    h.run.start();
    await h.feed('# nothing to run here\r\n', PROMPT);
    expect(h.verdict()).toMatchObject({ ok: true, code: 0 });
  });

  it('cancels a line left at the continuation prompt, and fails it', async () => {
    const h = harness(["echo 'unclosed"]);
    h.run.start();
    await h.feed("echo 'unclosed\r\n", PS2);
    await h.advance(CONTINUATION_QUIET_MS - 1);
    expect(h.sent).toEqual(["echo 'unclosed\r"]);
    await h.advance(1);
    expect(h.sent.at(-1)).toBe('\x03');
    await h.feed('^C\r\n', PROMPT);
    const verdict = h.verdict();
    expect(verdict).toMatchObject({ ok: false, code: undefined });
    expect(verdict?.outcome === 'ran' && verdict.reason).toMatch(/waiting for more input/);
  });

  it('lets a heredoc pass through its continuation prompts', async () => {
    const h = harness(['cat <<EOF\nhello\nEOF']);
    h.run.start();
    expect(h.sent).toEqual(['cat <<EOF\rhello\rEOF\r']);
    await h.feed('cat <<EOF\r\n', PS2, 'hello\r\n');
    await h.advance(CONTINUATION_QUIET_MS / 2);
    await h.feed(PS2, 'EOF\r\n', C, 'hello\r\n', D(0), PROMPT);
    expect(h.verdict()).toMatchObject({ ok: true, code: 0 });
  });

  it('ends a command as the block says once its pattern shows, and takes its code then', async () => {
    const h = harness(['docker logs -f web'], 'until="ready" then="ctrl-c"');
    h.run.start();
    await h.feed(C, 'starting\r\n');
    expect(h.sent).toHaveLength(1);
    await h.feed('rea', 'dy for connections\r\n');
    expect(h.sent.at(-1)).toBe('\x03');
    await h.feed('^C', D(130), PROMPT);
    expect(h.verdict()).toMatchObject({ ok: true, code: 130 });
  });

  it('judges a command that ended before its pattern at once, by its code, and sends no keys', async () => {
    const h = harness(['docker run -it nosuchimage sh'], 'until="/ #" then="exit"');
    h.run.start();
    await h.feed(C, 'Unable to find image\r\n', D(125), PROMPT);
    expect(h.sent).toHaveLength(1);
    const verdict = h.verdict();
    expect(verdict).toMatchObject({ ok: false, code: 125 });
    expect(verdict?.outcome === 'ran' && verdict.reason).toMatch(/ended before \/\/ #\/ appeared/);
  });

  it('sends no keys to a command that ended before its time was up', async () => {
    const h = harness(['sleep 1'], 'after=2 then="ctrl-c"');
    h.run.start();
    await h.feed(C);
    await h.advance(1000);
    await h.feed(D(0), PROMPT);
    await h.advance(2000);
    expect(h.sent).toEqual(['sleep 1\r']);
    expect(h.verdict()).toMatchObject({ ok: true, code: 0 });
  });

  it('stops a command past its time with Ctrl-C, and fails it', async () => {
    const h = harness(['sleep 600'], {}, 5000);
    h.run.start();
    await h.feed(C);
    await h.advance(5000);
    expect(h.sent.at(-1)).toBe('\x03');
    await h.feed('^C', D(130), PROMPT);
    const verdict = h.verdict();
    expect(verdict).toMatchObject({ ok: false, code: undefined });
    expect(verdict?.outcome === 'ran' && verdict.reason).toMatch(/no end after 5 s/);
  });

  it('gives its verdict even when no prompt comes back', async () => {
    const h = harness(['exec bash']);
    h.run.start();
    await h.feed(C, D(0));
    expect(h.verdict()).toBeUndefined();
    await h.advance(PROMPT_GRACE_MS);
    expect(h.verdict()).toMatchObject({ ok: true, code: 0 });
    expect(h.run.atPrompt).toBe(false);
  });

  it('stops a command at a password prompt the block does not answer, saying so, and the page goes on', async () => {
    const h = harness(['docker login -u sammy']);
    h.run.start();
    await h.feed(C, 'Password: ');
    await h.advance(PASSWORD_QUIET_MS - 1);
    expect(h.sent).toHaveLength(1);
    await h.advance(1);
    expect(h.sent.at(-1)).toBe('\x03');
    await h.feed('^C\r\n', D(130), PROMPT);
    const verdict = h.verdict();
    expect(verdict).toMatchObject({ ok: false, code: undefined });
    expect(verdict?.outcome === 'ran' && verdict.reason).toMatch(
      /asks for a password the block does not give/,
    );
    expect(h.run.atPrompt).toBe(true);
  });

  it('presses Ctrl-C again when the first left a program open (Node’s REPL), not at the shell’s prompt', async () => {
    const h = harness(['docker run -it --rm node:20'], {}, 5000);
    h.run.start();
    await h.feed(C, 'Welcome to Node.js v20.19.2.\r\n> ');
    await h.advance(5000);
    expect(h.sent.filter((key) => key === '\x03')).toHaveLength(1);
    await h.feed('\r\n(To exit, press Ctrl+C again or Ctrl+D or type .exit)\r\n> ');
    await h.advance(SECOND_INTERRUPT_MS);
    expect(h.sent.filter((key) => key === '\x03')).toHaveLength(2);
    await h.feed('\r\n', D(0), PROMPT);
    expect(h.verdict()).toMatchObject({ ok: false });
    expect(h.run.atPrompt).toBe(true);

    const atPrompt = harness(['sleep 600'], {}, 5000);
    atPrompt.run.start();
    await atPrompt.feed(C);
    await atPrompt.advance(5000);
    await atPrompt.feed('^C', D(130), PROMPT);
    await atPrompt.advance(SECOND_INTERRUPT_MS);
    expect(atPrompt.sent.filter((key) => key === '\x03')).toHaveLength(1);
  });

  it('ignores marks before it starts and after it is cancelled', async () => {
    const h = harness(['true']);
    await h.feed(C, D(1), PROMPT);
    h.run.start();
    h.run.cancel();
    await h.feed(C, D(0), PROMPT);
    expect(h.verdict()).toEqual({ outcome: 'cancelled' });
  });
});
