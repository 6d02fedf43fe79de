import { describe, expect, it } from 'vitest';
import { decodeArray, encodeArray, flatten } from '../../../src/sandbox/arrays.js';

describe('array encoding across the sandbox boundary', () => {
  it('round-trips float64 exactly, NaN and infinities included', () => {
    const values = [0.1, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-310, 1.7976931348623157e308];
    const decoded = decodeArray(encodeArray('float64', [7], values));
    expect(decoded.shape).toEqual([7]);
    expect(Array.from(decoded.values)).toEqual(values);
  });

  it('decodes int64 and float16 written by NumPy', () => {
    const int64 = Buffer.alloc(16);
    int64.writeBigInt64LE(-5n, 0);
    int64.writeBigInt64LE(2n ** 40n, 8);
    expect(Array.from(decodeArray({ dtype: 'int64', shape: [2], b64: int64.toString('base64') }).values)).toEqual([-5, 2 ** 40]);
    // 1.0, -2.0, inf in IEEE half precision
    const half = Buffer.from([0x00, 0x3c, 0x00, 0xc0, 0x00, 0x7c]);
    expect(Array.from(decodeArray({ dtype: 'float16', shape: [3], b64: half.toString('base64') }).values)).toEqual([1, -2, Number.POSITIVE_INFINITY]);
  });

  it('refuses a byte count that does not match the shape', () => {
    expect(() => decodeArray({ dtype: 'float64', shape: [3], b64: Buffer.alloc(16).toString('base64') })).toThrow(/should have 24 bytes/);
  });

  it('flattens rectangular nested arrays and refuses ragged ones', () => {
    expect(flatten([[1, 2, 3], [4, 5, 6]])).toEqual({ shape: [2, 3], values: [1, 2, 3, 4, 5, 6] });
    expect(flatten(3)).toEqual({ shape: [], values: [3] });
    expect(() => flatten([[1, 2], [3]])).toThrow(/ragged/);
  });
});
