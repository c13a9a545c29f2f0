import { describe, expect, it } from 'vitest';
import { ATTACH_NUDGE_MS, PROGRAM_PROMPT_QUIET_MS, SILENT_INTERRUPT_MS } from './block-run.ts';
import { C, D, harness, PROMPT } from './run-harness.ts';

describe('a program’s lines', () => {
  it('types a program’s lines at its own prompt, and judges by the command that opened it', async () => {
    const h = harness(['docker run -it alpine sh'], {}, undefined, [['ls', 'exit']]);
    h.run.start();
    await h.feed(C, 'Unable to find image locally\r\n');
    await h.advance(PROGRAM_PROMPT_QUIET_MS);
    expect(h.sent).toHaveLength(1); // no prompt yet
    await h.feed('/ # \x1b[6n');
    await h.advance(PROGRAM_PROMPT_QUIET_MS - 1);
    expect(h.sent).toHaveLength(1); // shown, but not yet still
    await h.advance(1);
    expect(h.sent.at(-1)).toBe('ls\r');
    await h.feed('ls\r\nbin  dev  etc\r\n/ # ');
    await h.advance(PROGRAM_PROMPT_QUIET_MS);
    expect(h.sent.at(-1)).toBe('exit\r');
    await h.feed('exit\r\n', D(0), PROMPT);
    expect(h.verdict()).toMatchObject({ ok: true, code: 0 });
  });

  it('ends the program as the block says once its lines are typed', async () => {
    const h = harness(['docker attach web'], 'until="hello" then="detach"', undefined, [['echo hello']]);
    h.run.start();
    await h.feed(C, '\r\n/ # ');
    await h.advance(PROGRAM_PROMPT_QUIET_MS);
    expect(h.sent).toEqual(['docker attach web\r', 'echo hello\r']);
    await h.feed('echo hello\r\n');
    expect(h.sent).toHaveLength(2); // the echo of the line is not its output yet…
    await h.feed('hello\r\n/ # ');
    expect(h.sent.at(-1)).toBe('\x10\x11');
    await h.feed('read escape sequence\r\n', D(1), PROMPT);
    expect(h.verdict()).toMatchObject({ ok: true, code: 1 });
  });

  it('detaches from a container the block leaves open after its lines, and judges that', async () => {
    const h = harness(['docker attach web', 'docker ps'], {}, undefined, [['hostname'], []]);
    h.run.start();
    await h.feed(C, '/ # ');
    await h.advance(PROGRAM_PROMPT_QUIET_MS);
    expect(h.sent.at(-1)).toBe('hostname\r');
    await h.feed('hostname\r\n3f2a1b\r\n/ # ');
    await h.advance(PROGRAM_PROMPT_QUIET_MS);
    expect(h.sent.at(-1)).toBe('\x10\x11');
    await h.feed('read escape sequence\r\n', D(1), PROMPT);
    expect(h.sent.at(-1)).toBe('docker ps\r');
    await h.feed(C, D(0), PROMPT);
    expect(h.verdict()).toMatchObject({ ok: true, code: 0 });
  });

  it('presses Enter once for a shell attached after it printed its prompt', async () => {
    const h = harness(['docker attach box1'], {}, undefined, [['hostname']]);
    h.run.start();
    await h.feed(C);
    await h.advance(ATTACH_NUDGE_MS);
    expect(h.sent.at(-1)).toBe('\r');
    await h.feed('\r\n/ # ');
    await h.advance(PROGRAM_PROMPT_QUIET_MS);
    expect(h.sent.at(-1)).toBe('hostname\r');
  });

  it('presses Ctrl-C where the block shows ^C, once output came, and takes 130 for it', async () => {
    const h = harness(['ping example'], {}, undefined, [['\x03']]);
    h.run.start();
    await h.feed(C);
    await h.advance(PROGRAM_PROMPT_QUIET_MS);
    expect(h.sent).toHaveLength(1); // nothing to stop yet
    await h.feed('PING example: 56 data bytes\r\n');
    await h.advance(PROGRAM_PROMPT_QUIET_MS);
    expect(h.sent.at(-1)).toBe('\x03');
    await h.feed('^C\r\n', D(130), PROMPT);
    expect(h.verdict()).toMatchObject({ ok: true, code: 130 });
  });

  it('presses Ctrl-C for a command that follows until stopped, written without a ^C line', async () => {
    const h = harness(['docker logs -f web']);
    h.run.start();
    await h.feed(C, '10.0.0.1 - - "GET / HTTP/1.1" 200\r\n');
    await h.advance(PROGRAM_PROMPT_QUIET_MS);
    expect(h.sent.at(-1)).toBe('\x03');
    await h.feed('^C\r\n', D(130), PROMPT);
    expect(h.verdict()).toMatchObject({ ok: true, code: 130 });
  });

  it('presses the Ctrl-C a block asks for even when the command shows nothing, after a while', async () => {
    const h = harness(['docker logs -f --tail 5 web'], {}, undefined, [['\x03']]);
    h.run.start();
    await h.feed(C);
    await h.advance(PROGRAM_PROMPT_QUIET_MS + SILENT_INTERRUPT_MS);
    expect(h.sent).toHaveLength(1);
    await h.advance(PROGRAM_PROMPT_QUIET_MS);
    expect(h.sent.at(-1)).toBe('\x03');
    await h.feed('^C\r\n', D(130), PROMPT);
    expect(h.verdict()).toMatchObject({ ok: true, code: 130 });
  });

  it('leaves a program alone that exits after its last line', async () => {
    const h = harness(['docker run -it --rm busybox sh'], {}, undefined, [['exit']]);
    h.run.start();
    await h.feed(C, '/ # ');
    await h.advance(PROGRAM_PROMPT_QUIET_MS);
    await h.feed('exit\r\n', D(0), PROMPT);
    expect(h.sent).toEqual(['docker run -it --rm busybox sh\r', 'exit\r']);
    expect(h.verdict()).toMatchObject({ ok: true, code: 0 });
  });
});
