/**
 * A tar archive (POSIX ustar, with a pax header for names ustar cannot hold) of files picked or
 * dropped in the browser, for the dock's upload: no dependency, as the archive is all the
 * server's `tar -x` needs to see.
 */
/** A folder when `path` ends in `/`; a file's `data` may be a File, read by the browser as it sends. */
export type TarEntry = { path: string; data?: Blob | Uint8Array<ArrayBuffer>; mode?: number; mtime?: number };

const BLOCK = 512;
const encoder = new TextEncoder();

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(
  name: string,
  size: number,
  type: '0' | '5' | 'x',
  mode: number,
  mtime: number,
): Uint8Array<ArrayBuffer> {
  const block = new Uint8Array(BLOCK);
  const put = (text: string, at: number, width: number) =>
    block.set(encoder.encode(text).subarray(0, width), at);
  put(name, 0, 100);
  put(octal(mode, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(size, 12), 124, 12);
  put(octal(Math.floor(mtime / 1000), 12), 136, 12);
  put('        ', 148, 8); // the checksum counts its own field as spaces
  put(type, 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  let sum = 0;
  for (const byte of block) sum += byte;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return block;
}

/** A pax record: its own length in decimal first, counting itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = encoder.encode(body).length;
  length += String(length).length;
  if (String(length).length !== String(length - String(length).length).length) length += 1;
  return `${length}${body}`;
}

function padding(size: number): Uint8Array<ArrayBuffer> {
  return new Uint8Array((BLOCK - (size % BLOCK)) % BLOCK);
}

/** The archive of `entries` (folders are paths ending in `/`), ended by its two zero blocks. */
export function tarOf(entries: TarEntry[]): Blob {
  const parts: (Blob | Uint8Array<ArrayBuffer>)[] = [];
  for (const entry of entries) {
    const folder = entry.path.endsWith('/');
    const data = folder ? new Uint8Array(0) : (entry.data ?? new Uint8Array(0));
    const size = data instanceof Blob ? data.size : data.byteLength;
    const mtime = entry.mtime ?? Date.now();
    const mode = entry.mode ?? (folder ? 0o755 : 0o644);
    // Names past ustar's 100 bytes, or not ASCII: the full name in a pax header before the entry.
    if (encoder.encode(entry.path).length > 100 || /[^\x20-\x7e]/.test(entry.path)) {
      const pax = encoder.encode(paxRecord('path', entry.path));
      parts.push(header('././@PaxHeader', pax.length, 'x', 0o644, mtime), pax, padding(pax.length));
    }
    parts.push(header(entry.path, size, folder ? '5' : '0', mode, mtime), data, padding(size));
  }
  parts.push(new Uint8Array(BLOCK * 2));
  return new Blob(parts, { type: 'application/x-tar' });
}
