import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FramedTerminal } from './framed-terminal.ts';
import {
  dataFrames,
  FrameDecoder,
  MAX_TERM_PAYLOAD,
  MalformedFrames,
  sizeFrame,
  TERM,
  termDecoder,
} from './frames.ts';

describe('terminal frames', () => {
  it('decode however the chunks fall, one byte at a time included', () => {
    const bytes = Buffer.concat([
      dataFrames(Buffer.from('hello')),
      sizeFrame(132, 43),
      Buffer.from([0x64, 0, 0, 0, 0]),
    ]);
    const whole = termDecoder().push(bytes);
    const decoder = termDecoder();
    const piecewise = [...bytes].flatMap((byte) => decoder.push(Buffer.from([byte])));
    expect(piecewise).toEqual(whole);
    expect(whole.map((f) => [String.fromCharCode(f.type), f.payload.toString('hex')])).toEqual([
      ['d', Buffer.from('hello').toString('hex')],
      ['w', '0084002b'],
      ['d', ''],
    ]);
  });

  it('split input longer than one frame holds, keeping every byte in order', () => {
    expect(dataFrames(Buffer.alloc(0))).toHaveLength(0);
    const input = Buffer.from(Array.from({ length: MAX_TERM_PAYLOAD * 2 + 10 }, (_, i) => i % 251));
    const frames = termDecoder().push(dataFrames(input));
    expect(frames.map((f) => f.payload.length)).toEqual([MAX_TERM_PAYLOAD, MAX_TERM_PAYLOAD, 10]);
    expect(frames.every((f) => f.type === TERM.data)).toBe(true);
    expect(Buffer.concat(frames.map((f) => f.payload)).equals(input)).toBe(true);
  });

  it("read Docker's 8-byte stream headers, and refuse a frame over the limit", () => {
    const header = Buffer.from([1, 0, 0, 0, 0, 0, 0, 3]);
    expect(new FrameDecoder(8, 100, [1]).push(Buffer.concat([header, Buffer.from('abc')]))).toEqual([
      { type: 1, payload: Buffer.from('abc') },
    ]);
    const huge = Buffer.from([0x64, 0, 2, 0, 0]);
    expect(() => termDecoder().push(huge)).toThrow(/over the limit/);
    expect(() => termDecoder().push(Buffer.from([0x71, 0, 0, 0, 0]))).toThrow(/unknown type 113/);
  });

  it("end on Docker's plain-text word that the exec failed, quoting it, and not as an exited shell", async () => {
    const exec = new PassThrough();
    const terminal = new FramedTerminal(exec, () => {});
    const failed = new Promise<Error>((resolve) => terminal.once('error', resolve));
    // What dockerd writes on the stdout of an exec whose start failed: no berth-term frames.
    const said = Buffer.from('OCI runtime exec failed: exec failed: unable to start container process\r\n');
    exec.write(Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, said.length]), said]));
    const error = await failed;
    expect(error).toBeInstanceOf(MalformedFrames);
    expect(error.message).toContain('"OCI runtime exec failed: exec failed');
    expect(terminal.destroyed).toBe(true);
    expect(exec.destroyed).toBe(true);
    expect(terminal.exitCode).toBeUndefined();
  });

  it("log Docker's stderr and systemerr streams, and keep reading berth-term's frames after them", async () => {
    const exec = new PassThrough();
    const logged: string[] = [];
    const terminal = new FramedTerminal(exec, (text) => logged.push(text));
    const frame = (type: number, payload: Buffer) =>
      Buffer.concat([Buffer.from([type, 0, 0, 0, 0, 0, 0, payload.length]), payload]);
    exec.write(frame(2, Buffer.from('warning')));
    exec.write(frame(3, Buffer.from('engine error')));
    exec.write(frame(1, dataFrames(Buffer.from('still here'))));
    const [chunk] = (await new Promise((resolve) => terminal.once('data', (c) => resolve([c])))) as Buffer[];
    expect(chunk?.toString()).toBe('still here');
    expect(logged).toEqual(['warning', 'engine error']);
  });

  it('tell the sizes berth-term reports, and drop those no terminal may have', () => {
    const exec = new PassThrough();
    const terminal = new FramedTerminal(exec, () => {});
    const sizes: unknown[] = [];
    terminal.on('size', (size) => sizes.push(size));
    // Docker's stdout header around berth-term's frames, as a sandbox's root may write them.
    const stdout = (payload: Buffer) =>
      Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, payload.length]), payload]);
    exec.write(stdout(Buffer.concat([sizeFrame(97, 31), sizeFrame(65535, 65535), sizeFrame(0, 24)])));
    expect(sizes).toEqual([{ cols: 97, rows: 31 }]);
    terminal.destroy();
  });
});
