import { Duplex } from 'node:stream';
import { isTerminalSize, type TerminalSize } from '../../contract/terminal.ts';
import { dataFrames, MUX, muxDecoder, sizeFrame, TERM, termDecoder } from './frames.ts';

/**
 * A terminal as raw bytes both ways, over the stream of a TTY-less exec of `berth-term attach
 * --framed`: Docker's multiplexing and berth-term's frames are taken off on the way out and
 * berth-term's put on on the way in. Pausing it stops reading from the exec. berth-term's size
 * frames (the PTY's size, at attach and after each resize) are emitted as 'size'. Output that is
 * not berth-term's frames (Docker's word that the exec failed, or whatever the sandbox wrote)
 * destroys it with a MalformedFrames error: its listeners must take 'error'.
 */
export class FramedTerminal extends Duplex {
  /** The shell's exit code, once berth-term has sent it. */
  exitCode: number | undefined;
  private readonly mux = muxDecoder();
  private readonly term = termDecoder();
  private ended = false;

  constructor(
    private readonly exec: Duplex,
    private readonly onStderr: (text: string) => void,
  ) {
    super({ readableHighWaterMark: 64 * 1024 });
    exec.on('data', (chunk: Buffer) => this.takeOutput(chunk));
    exec.on('end', () => this.endOutput());
    exec.on('close', () => this.endOutput());
    exec.on('error', (error) => this.destroy(error));
    // Closes once everything read has been taken, so the last output is not lost to the close.
    this.once('end', () => this.destroy());
  }

  resize(cols: number, rows: number): void {
    if (!this.exec.destroyed) this.exec.write(sizeFrame(cols, rows));
  }

  private takeOutput(chunk: Buffer): void {
    try {
      for (const { type, payload } of this.mux.push(chunk)) {
        if (type !== MUX.stdout) {
          this.onStderr(payload.toString('utf8'));
          continue;
        }
        for (const frame of this.term.push(payload)) {
          if (frame.type === TERM.data) {
            if (!this.ended && !this.push(frame.payload)) this.exec.pause();
          } else if (frame.type === TERM.size && frame.payload.length === 4) {
            const size: TerminalSize = {
              cols: frame.payload.readUInt16BE(0),
              rows: frame.payload.readUInt16BE(2),
            };
            // The sandbox's to choose: a guest's screen is never asked to be 65535 columns wide.
            if (isTerminalSize(size)) this.emit('size', size);
          } else if (frame.type === TERM.exit && frame.payload.length === 4) {
            this.exitCode = frame.payload.readInt32BE(0);
          }
        }
      }
    } catch (error) {
      this.destroy(error as Error);
    }
  }

  private endOutput(): void {
    if (this.ended) return;
    this.ended = true;
    // Said at once: 'end' waits for a reader, and an attach that found no terminal has none yet.
    this.emit('output-ended');
    this.push(null);
  }

  override _read(): void {
    this.exec.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.exec.write(dataFrames(chunk), done);
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.exec.destroy();
    done(error);
  }
}
