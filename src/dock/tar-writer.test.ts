import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { tarOf } from './tar-writer.ts';

async function read(blob: Blob) {
  const extract = tar.extract();
  const entries: { name: string; type: string; text: string; mode: number | undefined }[] = [];
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      entries.push({
        name: header.name,
        type: header.type ?? '',
        text: Buffer.concat(chunks).toString(),
        mode: header.mode,
      });
      next();
    });
  });
  const done = new Promise((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  Readable.from([Buffer.from(await blob.arrayBuffer())]).pipe(extract);
  await done;
  return entries;
}

describe('the archive of an upload', () => {
  it('holds folders and files as tar reads them, long and non-ASCII names included', async () => {
    const text = (s: string) => new TextEncoder().encode(s);
    const long = `app/${'deep/'.repeat(30)}file.txt`;
    const blob = tarOf([
      { path: 'app/' },
      { path: 'app/Dockerfile', data: text('FROM busybox\n') },
      { path: 'app/notes ü.txt', data: text('ü') },
      { path: long, data: text('x'.repeat(1000)) },
      { path: 'app/empty' },
    ]);
    expect(blob.size % 512).toBe(0);
    expect(await read(blob)).toEqual([
      { name: 'app/', type: 'directory', text: '', mode: 0o755 },
      { name: 'app/Dockerfile', type: 'file', text: 'FROM busybox\n', mode: 0o644 },
      { name: 'app/notes ü.txt', type: 'file', text: 'ü', mode: 0o644 },
      { name: long, type: 'file', text: 'x'.repeat(1000), mode: 0o644 },
      { name: 'app/empty', type: 'file', text: '', mode: 0o644 },
    ]);
  });
});
