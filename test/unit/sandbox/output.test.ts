import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CappedOutput, OutputTail } from '../../../src/sandbox/output.js';

describe('CappedOutput', () => {
  it('keeps output up to the cap', async () => {
    const stream = new PassThrough();
    const out = new CappedOutput(stream, 10);
    stream.end('0123456789');
    await out.ended;
    expect(out.bytes().toString()).toBe('0123456789');
    expect(out.exceeded).toBe(false);
    expect(out.closed).toBe(true);
  });

  it('calls onExceeded once past the cap, keeps nothing, and still drains', async () => {
    const stream = new PassThrough();
    const out = new CappedOutput(stream, 4);
    let calls = 0;
    out.onExceeded = () => calls++;
    stream.write('abc');
    stream.write('defg');
    stream.end('more');
    await out.ended;
    expect(calls).toBe(1);
    expect(out.exceeded).toBe(true);
    expect(out.bytes().length).toBe(0);
  });

  it('applies a cap lowered after output arrived', async () => {
    const stream = new PassThrough();
    const out = new CappedOutput(stream, 100);
    stream.write('0123456789');
    await new Promise((r) => setImmediate(r));
    out.setLimit(5);
    expect(out.exceeded).toBe(true);
    stream.end();
  });
});

describe('OutputTail', () => {
  it('keeps the last bytes', async () => {
    const stream = new PassThrough();
    const tail = new OutputTail(stream, 5);
    stream.write('hello ');
    stream.end('world');
    await new Promise((r) => stream.on('end', r));
    expect(tail.text()).toBe('world');
  });
});
