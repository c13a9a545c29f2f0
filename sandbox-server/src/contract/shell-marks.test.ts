import { describe, expect, it } from 'vitest';
import {
  firstShellMark,
  parseShellMark,
  ShellMarkReader,
  type ShellPiece,
  shellMarksIn,
} from './shell-marks.ts';

// As bash with Berth's shell integration writes them: BEL-ended, prompts shortened.
const A = '\x1b]133;A\x07';
const B = '\x1b]133;B\x07';
const C = '\x1b]133;C\x07';
const D = (code: number) => `\x1b]133;D;${code}\x07`;
const PROMPT = `${A}\x1b[01;32mreader@sandbox\x1b[00m:~$ ${B}`;

describe('shell marks', () => {
  it('read each payload the shell writes', () => {
    expect(parseShellMark('A')).toEqual({ type: 'prompt' });
    expect(parseShellMark('A;k=s')).toEqual({ type: 'continuation' });
    expect(parseShellMark('B')).toEqual({ type: 'input' });
    expect(parseShellMark('C')).toEqual({ type: 'output' });
    expect(parseShellMark('D;0')).toEqual({ type: 'end', exitCode: 0 });
    expect(parseShellMark('D;130')).toEqual({ type: 'end', exitCode: 130 });
    expect(parseShellMark('D;-1')).toEqual({ type: 'end', exitCode: -1 });
  });

  it('give an end without a code as such, and no mark for kinds Berth does not read', () => {
    expect(parseShellMark('D')).toEqual({ type: 'end', exitCode: undefined });
    expect(parseShellMark('D;')).toEqual({ type: 'end', exitCode: undefined });
    expect(parseShellMark('D;x')).toEqual({ type: 'end', exitCode: undefined });
    expect(parseShellMark('E;ls')).toBeUndefined();
    expect(parseShellMark('')).toBeUndefined();
  });

  it('are found in a transcript with where they are, ended by BEL or ESC \\', () => {
    const text = `ls\r\n${C}a  b\r\n\x1b]133;D;2\x1b\\${PROMPT}`;
    const found = [...shellMarksIn(text)];
    expect(found.map((f) => f.mark)).toEqual([
      { type: 'output' },
      { type: 'end', exitCode: 2 },
      { type: 'prompt' },
      { type: 'input' },
    ]);
    expect(text.slice(found[0]?.end, found[1]?.index)).toBe('a  b\r\n');
    expect(firstShellMark(text, 'end')?.mark.exitCode).toBe(2);
    expect(firstShellMark(text, 'output', (found[0]?.end ?? 0) + 1)).toBeUndefined();
    expect(firstShellMark(text, 'continuation')).toBeUndefined();
  });

  it('leave other escape sequences and unended marks out of a transcript', () => {
    expect([...shellMarksIn('\x1b]0;title\x07\x1b[1m\x1b]133;C')]).toEqual([]);
  });
});

describe('a shell mark reader', () => {
  const stream = `docker ps\r\n${C}CONTAINER ID\r\n${D(0)}${PROMPT}`;
  const whole: ShellPiece[] = [
    'docker ps\r\n',
    { type: 'output' },
    'CONTAINER ID\r\n',
    { type: 'end', exitCode: 0 },
    { type: 'prompt' },
    '\x1b[01;32mreader@sandbox\x1b[00m:~$ ',
    { type: 'input' },
  ];

  /** The pieces read, with neighbouring texts joined: how a chunk was cut may split a text, never a mark. */
  function readAll(chunks: string[]): ShellPiece[] {
    const reader = new ShellMarkReader();
    const pieces: ShellPiece[] = [];
    for (const piece of chunks.flatMap((chunk) => reader.read(chunk))) {
      const last = pieces.at(-1);
      if (typeof piece === 'string' && typeof last === 'string') pieces[pieces.length - 1] = last + piece;
      else pieces.push(piece);
    }
    return pieces;
  }

  it('gives text and marks in the order they came', () => {
    expect(new ShellMarkReader().read(stream)).toEqual(whole);
  });

  it('takes marks cut across chunks, wherever the cut falls', () => {
    for (let cut = 1; cut < stream.length; cut++) {
      expect(readAll([stream.slice(0, cut), stream.slice(cut)]), `cut at ${cut}`).toEqual(whole);
    }
    expect(readAll([...stream])).toEqual(whole);
  });

  it('holds a cut-off ESC \\ ending until the next chunk', () => {
    const reader = new ShellMarkReader();
    expect(reader.read('out\x1b]133;D;1\x1b')).toEqual(['out']);
    expect(reader.read('\\$ ')).toEqual([{ type: 'end', exitCode: 1 }, '$ ']);
  });

  it('drops marks it does not read from the text, and keeps other sequences in it', () => {
    const reader = new ShellMarkReader();
    expect(reader.read(`a\x1b]133;E;ls\x07b\x1b]0;title\x07${C}`)).toEqual([
      'a',
      'b\x1b]0;title\x07',
      { type: 'output' },
    ]);
  });

  it('passes on as text an unended sequence too long to be a mark', () => {
    const reader = new ShellMarkReader();
    const long = `\x1b]8;;${'x'.repeat(600)}`;
    expect(reader.read(long)).toEqual([long]);
    expect(reader.read(C)).toEqual([{ type: 'output' }]);
  });
});
