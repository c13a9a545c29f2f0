import { describe, expect, it } from 'vitest';
import { type CommandEnd, judgeEnd, verdictOf } from './block-verdict.ts';
import { C, D, harness, PROMPT } from './run-harness.ts';

const end = (how: Partial<CommandEnd>): CommandEnd => ({
  code: 0,
  last: true,
  leftOpen: undefined,
  interrupted: false,
  keysSent: false,
  output: '',
  ...how,
});

describe('the verdict of a run', () => {
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

  it('fails a block whose output lacks what it expects', async () => {
    const h = harness(['echo hello'], 'expect="goodbye"');
    h.run.start();
    await h.feed(C, 'hello\r\n', D(0), PROMPT);
    expect(h.verdict()).toMatchObject({ ok: false, code: 0, reason: 'output lacks "goodbye"' });
  });

  it('never passes a command the shell gave no exit code for', () => {
    expect(judgeEnd({}, end({ code: undefined }))).toEqual({
      ok: false,
      code: undefined,
      reason: 'the shell reported no exit code',
    });
  });

  it('goes on past a command before the last that exited 0, or 130 after the block’s own ^C', () => {
    expect(judgeEnd({}, end({ last: false }))).toBeUndefined();
    expect(judgeEnd({}, end({ last: false, code: 130, interrupted: true }))).toBeUndefined();
    expect(judgeEnd({}, end({ last: false, code: 2 }))).toMatchObject({
      ok: false,
      reason: 'expected exit 0',
    });
    expect(judgeEnd({}, end({ code: 130, interrupted: true }))).toEqual({ ok: true, code: 130 });
  });

  it('judges a program Berth ended after its lines by how it was ended', () => {
    const detached = end({ leftOpen: 'detach', code: 1, output: 'read escape sequence\r\n' });
    expect(judgeEnd({}, detached)).toEqual({ ok: true, code: 1 });
    expect(judgeEnd({}, { ...detached, output: '' })).toMatchObject({ ok: false });
    expect(judgeEnd({}, end({ leftOpen: 'eof', code: 0, last: false }))).toBeUndefined();
  });

  it('keeps the exit code of a pass whose output lacks what the block expects', () => {
    const verdict = verdictOf({ expect: 'Hello' }, { ok: true, code: 0 }, 'echo hi', 'hi\r\n');
    expect(verdict).toMatchObject({ ok: false, code: 0, reason: 'output lacks "Hello"' });
  });
});
