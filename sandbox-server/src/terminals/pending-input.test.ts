import { describe, expect, it } from 'vitest';
import { PendingInput } from './pending-input.ts';

describe('pending input', () => {
  it('holds what is typed before the terminal is attached, then writes it in order, then passes through', () => {
    const written: string[] = [];
    const input = new PendingInput(64);
    input.write(Buffer.from('echo '));
    input.write(Buffer.from('hi\r'));
    expect(written).toEqual([]);
    input.attach((bytes) => written.push(bytes.toString()));
    expect(written).toEqual(['echo ', 'hi\r']);
    input.write(Buffer.from('ls\r'));
    expect(written).toEqual(['echo ', 'hi\r', 'ls\r']);
    expect(input.bytes).toBe(0);
  });

  it('drops what does not fit in the limit, and keeps what came before', () => {
    const written: string[] = [];
    const input = new PendingInput(8);
    input.write(Buffer.from('12345'));
    input.write(Buffer.from('6789')); // would be 9 bytes
    input.write(Buffer.from('678'));
    expect(input.bytes).toBe(8);
    input.attach((bytes) => written.push(bytes.toString()));
    expect(written).toEqual(['12345', '678']);
  });

  it('attaches once: a later attach does not replace the first sink', () => {
    const first: string[] = [];
    const input = new PendingInput();
    input.attach((bytes) => first.push(bytes.toString()));
    input.attach(() => {
      throw new Error('a second sink');
    });
    input.write(Buffer.from('x'));
    expect(first).toEqual(['x']);
  });
});
