import { GbtError } from './errors.ts';
import { FRAME_OVERHEAD, MAX_DATA, START } from './frame.ts';

/**
 * Cuts a TCP byte stream into candidate frames: finds 40 40, reads the length field, waits
 * for 30 + L bytes. Garbage before a start is skipped and counted; a length over 1024 drops
 * that start and resyncs. It never holds more than one maximal frame (1054 bytes), so a peer
 * that trickles bytes or sends junk cannot grow our memory.
 */
export class FrameSplitter {
  private buf: Buffer = Buffer.alloc(0);
  skipped = 0;

  constructor(
    private onFrame: (frame: Buffer) => void,
    private onJunk: (error: GbtError) => void = () => {},
  ) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    for (;;) {
      const start = this.findStart();
      if (start < 0) return;
      if (this.buf.length < start + 26) return;
      const length = this.buf.readUInt16LE(start + 24);
      if (length > MAX_DATA) {
        this.onJunk(new GbtError('oversize', `length field ${length}`));
        this.drop(start + 1);
        continue;
      }
      const size = FRAME_OVERHEAD + length;
      if (this.buf.length < start + size) return;
      this.onFrame(Buffer.from(this.buf.subarray(start, start + size)));
      this.drop(start + size);
    }
  }

  /** Bytes held, waiting for the rest of a frame. */
  get pending(): number {
    return this.buf.length;
  }

  private findStart(): number {
    for (let i = 0; i + 1 < this.buf.length; i++)
      if (this.buf[i] === START && this.buf[i + 1] === START) {
        if (i > 0) {
          this.skipped += i;
          this.onJunk(new GbtError('start', `${i} bytes before a start`));
          this.drop(i);
        }
        return 0;
      }
    // keep a trailing 40: it may be the first half of a start
    const keep = this.buf.length > 0 && this.buf[this.buf.length - 1] === START ? 1 : 0;
    const junk = this.buf.length - keep;
    if (junk > 0) {
      this.skipped += junk;
      this.onJunk(new GbtError('start', `${junk} bytes without a start`));
      this.drop(junk);
    }
    return -1;
  }

  private drop(n: number): void {
    // a view, not a copy: at most the last chunk (64 KiB from a socket) stays referenced
    this.buf = this.buf.subarray(n);
  }
}
