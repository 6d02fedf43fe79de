/**
 * Reading a sandbox's output without trusting its size: stdout (the response) is
 * kept up to a cap and the run is stopped past it; stderr keeps only its last bytes.
 * Both streams are always drained, so the container or child never blocks on a full pipe.
 */
import type { Readable } from 'node:stream';

export class CappedOutput {
  private chunks: Buffer[] = [];
  private count = 0;
  private over = false;
  private done = false;
  /** Called once, the moment the output passes the cap. */
  onExceeded: () => void = () => {};
  readonly ended: Promise<void>;

  constructor(stream: Readable, private limit: number) {
    this.ended = new Promise((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
    }).then(() => {
      this.done = true;
    });
    stream.on('data', (chunk: Buffer) => this.add(chunk));
  }

  /** The cap can change until the job is sent (a pooled container learns its job late). */
  setLimit(limit: number): void {
    this.limit = limit;
    this.add(Buffer.alloc(0));
  }

  get exceeded(): boolean {
    return this.over;
  }

  /** The stream ended: the container's process has gone. */
  get closed(): boolean {
    return this.done;
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  private add(chunk: Buffer): void {
    if (this.over) return;
    this.count += chunk.length;
    if (this.count > this.limit) {
      this.over = true;
      this.chunks = [];
      this.onExceeded();
      return;
    }
    if (chunk.length > 0) this.chunks.push(chunk);
  }
}

export class OutputTail {
  private tail = Buffer.alloc(0);

  constructor(stream: Readable, keep: number) {
    stream.on('data', (chunk: Buffer) => {
      const joined = Buffer.concat([this.tail, chunk]);
      this.tail = joined.length > keep ? joined.subarray(joined.length - keep) : joined;
    });
  }

  text(): string {
    return this.tail.toString('utf8');
  }
}
