/**
 * The two framings on a terminal's exec stream: Docker multiplexes a TTY-less exec's stdout and
 * stderr in 8-byte-headed frames, and inside stdout berth-term speaks its own 5-byte-headed
 * frames (see images/sandbox/berth-term/berth-term.c). Both are a type byte and a big-endian u32
 * length at the header's end.
 */
export type Frame = { type: number; payload: Buffer };

/** berth-term's frame types, and the most one frame holds. */
export const TERM = { data: 0x64, size: 0x77, exit: 0x78 } as const; // 'd' 'w' 'x'
export const MAX_TERM_PAYLOAD = 64 * 1024;
/** Docker's stream types in a multiplexed exec stream; systemerr carries the engine's own errors. */
export const MUX = { stdout: 1, stderr: 2, systemerr: 3 } as const;

/** How much of a stream that is not frames an error quotes. */
const QUOTED_BYTES = 200;

/**
 * Bytes where a frame header should be: the stream is not the framing it was taken for. Docker
 * writes an exec's failure to start ("OCI runtime exec failed: …") as plain text on its stdout,
 * and a sandbox's root can write anything there; `quoted` is how they began, escaped.
 */
export class MalformedFrames extends Error {
  constructor(why: string, quoted: string) {
    super(`${why}; the stream began ${quoted}`);
    this.name = 'MalformedFrames';
  }
}

/** Splits a byte stream into frames, however the chunks fall. */
export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  constructor(
    private readonly headerBytes: number,
    private readonly maxPayload: number,
    private readonly types: readonly number[],
  ) {}

  /** The frames completed by `chunk`; throws MalformedFrames on a frame this framing cannot hold. */
  push(chunk: Buffer): Frame[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Frame[] = [];
    let at = 0;
    while (this.pending.length - at >= this.headerBytes) {
      const type = this.pending[at] ?? 0;
      const length = this.pending.readUInt32BE(at + this.headerBytes - 4);
      if (!this.types.includes(type)) this.malformed(at, `a frame of unknown type ${type}`);
      if (length > this.maxPayload) this.malformed(at, `a frame of ${length} bytes is over the limit`);
      const end = at + this.headerBytes + length;
      if (this.pending.length < end) break;
      frames.push({
        type,
        payload: this.pending.subarray(at + this.headerBytes, end),
      });
      at = end;
    }
    this.pending = this.pending.subarray(at);
    return frames;
  }

  private malformed(at: number, why: string): never {
    const text = this.pending.subarray(at, at + QUOTED_BYTES).toString('latin1');
    throw new MalformedFrames(why, JSON.stringify(text));
  }
}

export const termDecoder = () => new FrameDecoder(5, MAX_TERM_PAYLOAD, Object.values(TERM));
/** Docker writes stdout in frames of up to 32 KiB; the limit only guards against nonsense. */
export const muxDecoder = () => new FrameDecoder(8, 16 * 1024 * 1024, Object.values(MUX));

function termFrame(type: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header[0] = type;
  header.writeUInt32BE(payload.length, 1);
  return Buffer.concat([header, payload]);
}

/** A reader's input as berth-term data frames. */
export function dataFrames(bytes: Buffer): Buffer {
  const frames: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += MAX_TERM_PAYLOAD) {
    frames.push(termFrame(TERM.data, bytes.subarray(at, at + MAX_TERM_PAYLOAD)));
  }
  return Buffer.concat(frames);
}

export function sizeFrame(cols: number, rows: number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt16BE(cols, 0);
  payload.writeUInt16BE(rows, 2);
  return termFrame(TERM.size, payload);
}
