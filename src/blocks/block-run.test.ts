import { describe, expect, it } from 'vitest';
import { type BlockMeta, parseBlockMeta } from './block-meta.ts';
import {
  ATTACH_NUDGE_MS,
  BlockRun,
  CONTINUATION_QUIET_MS,
  PASSWORD_QUIET_MS,
  PROGRAM_PROMPT_QUIET_MS,
  PROMPT_GRACE_MS,
  SECOND_INTERRUPT_MS,
  SILENT_INTERRUPT_MS,
} from './block-run.ts';

// Terminal streams as bash with Berth's shell integration writes them (recorded from a sandbox,
// prompts shortened): A and B around each prompt, C when a line starts to run, D;code at its end,
// A;k=s before each continuation prompt.
const A = '\x1b]133;A\x07';
const B = '\x1b]133;B\x07';
const C = '\x1b]133;C\x07';
const D = (code: number) => `\x1b]133;D;${code}\x07`;
const PS2 = '\x1b]133;A;k=s\x07> ';
const PROMPT = `${A}\x1b[01;32mreader@sandbox\x1b[00m:~$ ${B}`;

/** A run with a hand-turned clock: what it sent, and time moved on by `advance`. */
function harness(commands: string[], meta: BlockMeta | string = {}, timeoutMs?: number, inputs?: string[][]) {
  let now = 0;
  const timers: { at: number; fire: () => void; live: boolean }[] = [];
  const sent: string[] = [];
  const run = new BlockRun(
    commands,
    typeof meta === 'string' ? parseBlockMeta(meta) : meta,
    {
      send: (text) => sent.push(text),
      setTimer: (ms, fire) => {
        const timer = { at: now + ms, fire, live: true };
        timers.push(timer);
        return () => {
          timer.live = false;
        };
      },
    },
    { timeoutMs, inputs },
  );
  let verdict: Awaited<typeof run.done> | undefined;
  void run.done.then((v) => {
    verdict = v;
  });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  return {
    run,
    sent,
    feed: async (...chunks: string[]) => {
      for (const chunk of chunks) run.feed(chunk);
      await settle();
    },
    advance: async (ms: number) => {
      const until = now + ms;
      for (;;) {
        const next = timers.filter((t) => t.live && t.at <= until).sort((x, y) => x.at - y.at)[0];
        if (!next) break;
        now = next.at;
        next.live = false;
        next.fire();
      }
      now = until;
      await settle();
    },
    verdict: () => verdict,
  };
}

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

  it('takes a detach as success: docker attach says "read escape sequence" and exits 1', async () => {
    const h = harness(['docker attach web'], 'after=1 then="detach"');
    h.run.start();
    await h.feed(C, '/ # ');
    await h.advance(1000);
    expect(h.sent.at(-1)).toBe('\x10\x11');
    await h.feed('read escape sequence\r\n', D(1), PROMPT);
    expect(h.verdict()).toMatchObject({ ok: true, code: 1 });
  });

  it('does not take any exit 1 for a detach', async () => {
    const h = harness(['docker attach web'], 'after=1 then="detach"');
    h.run.start();
    await h.feed(C);
    await h.advance(1000);
    await h.feed('Error: No such container: web\r\n', D(1), PROMPT);
    expect(h.verdict()).toMatchObject({ ok: false, code: 1 });
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

  it('leaves a program alone that exits after its last line', async () => {
    const h = harness(['docker run -it --rm busybox sh'], {}, undefined, [['exit']]);
    h.run.start();
    await h.feed(C, '/ # ');
    await h.advance(PROGRAM_PROMPT_QUIET_MS);
    await h.feed('exit\r\n', D(0), PROMPT);
    expect(h.sent).toEqual(['docker run -it --rm busybox sh\r', 'exit\r']);
    expect(h.verdict()).toMatchObject({ ok: true, code: 0 });
  });

  it('fails a block whose output lacks what it expects', async () => {
    const h = harness(['echo hello'], 'expect="goodbye"');
    h.run.start();
    await h.feed(C, 'hello\r\n', D(0), PROMPT);
    expect(h.verdict()).toMatchObject({ ok: false, code: 0, reason: 'output lacks "goodbye"' });
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
