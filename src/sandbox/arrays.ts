/**
 * Encoding and decoding of arrays as they cross the sandbox boundary:
 * `{dtype, shape, b64}` with little-endian bytes in C order.
 */
import { AutograderError } from '../errors.js';
import type { ArrayDtype, EncodedArray } from './protocol.js';

/** A decoded array. Values are widened to float64 (int64 beyond 2^53 loses precision). */
export interface NdArray {
  dtype: ArrayDtype;
  shape: number[];
  values: Float64Array;
}

const BYTES: Record<ArrayDtype, number> = {
  float64: 8, float32: 4, float16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1,
};

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 0x1f) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

export class ArrayDecodeError extends AutograderError {
  constructor(message: string) {
    super('student', 'BAD_ARRAY', message);
    this.name = 'ArrayDecodeError';
  }
}

export function decodeArray(encoded: EncodedArray): NdArray {
  const bytes = Buffer.from(encoded.b64, 'base64');
  const n = sizeOf(encoded.shape);
  const width = BYTES[encoded.dtype];
  if (bytes.length !== n * width) {
    throw new ArrayDecodeError(
      `array of shape [${encoded.shape.join(', ')}] and dtype ${encoded.dtype} should have ${n * width} bytes, got ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * width;
    switch (encoded.dtype) {
      case 'float64': values[i] = view.getFloat64(o, true); break;
      case 'float32': values[i] = view.getFloat32(o, true); break;
      case 'float16': values[i] = halfToFloat(view.getUint16(o, true)); break;
      case 'int64': values[i] = Number(view.getBigInt64(o, true)); break;
      case 'int32': values[i] = view.getInt32(o, true); break;
      case 'int16': values[i] = view.getInt16(o, true); break;
      case 'int8': values[i] = view.getInt8(o); break;
      case 'uint8': values[i] = view.getUint8(o); break;
      case 'bool': values[i] = view.getUint8(o) ? 1 : 0; break;
    }
  }
  return { dtype: encoded.dtype, shape: [...encoded.shape], values };
}

/** Encodes values (C order) as float64, int64, int32 or bool. */
export function encodeArray(
  dtype: 'float64' | 'float32' | 'int64' | 'int32' | 'bool',
  shape: readonly number[],
  values: ArrayLike<number>,
): EncodedArray {
  const n = sizeOf(shape);
  if (values.length !== n) {
    throw new Error(`encodeArray: shape [${shape.join(', ')}] needs ${n} values, got ${values.length}`);
  }
  const width = BYTES[dtype];
  const buf = Buffer.alloc(n * width);
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    switch (dtype) {
      case 'float64': buf.writeDoubleLE(v, i * 8); break;
      case 'float32': buf.writeFloatLE(v, i * 4); break;
      case 'int64': buf.writeBigInt64LE(BigInt(Math.trunc(v)), i * 8); break;
      case 'int32': buf.writeInt32LE(Math.trunc(v), i * 4); break;
      case 'bool': buf.writeUInt8(v ? 1 : 0, i); break;
    }
  }
  return { dtype, shape: [...shape], b64: buf.toString('base64') };
}

/** Shape and flat values of a nested JS array (rectangular; throws otherwise). */
export function flatten(nested: unknown): { shape: number[]; values: number[] } {
  if (typeof nested === 'number') return { shape: [], values: [nested] };
  if (!Array.isArray(nested)) throw new Error('flatten: expected a number or a nested array of numbers');
  if (nested.length === 0) return { shape: [0], values: [] };
  const parts = nested.map(flatten);
  const inner = parts[0]!.shape;
  for (const p of parts) {
    if (p.shape.length !== inner.length || p.shape.some((d, i) => d !== inner[i])) {
      throw new Error('flatten: ragged nested array');
    }
  }
  return { shape: [nested.length, ...inner], values: parts.flatMap((p) => p.values) };
}
