/**
 * The concrete inputs of a spec's cases: literals as written, generators drawn from a
 * seeded stream. Same spec, same values, on every machine (the assignment's version hash
 * depends on them). Generators without a seed of their own draw from the spec's `seed`
 * stream in document order: `values:` first, then the checks, cases and arguments as
 * they appear.
 */
import { mulberry32 } from '../../reference/stats.js';
import type { KeyPath, SpecSource } from './spec-file.js';
import type { ArgSpec, GeneratorSpec } from './spec-schema.js';

export type ArgValue =
  | { type: 'float64' | 'int64'; nested: unknown }
  | { type: 'int' | 'float'; value: number };

export interface Stream {
  next(): number;
}

function normalDraw(next: () => number, mean: number, scale: number): number {
  const u = Math.max(next(), 1e-12);
  return mean + scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
}

function rounder(decimals: number): (x: number) => number {
  const factor = 10 ** decimals;
  return (x) => Math.round(x * factor) / factor;
}

function fill(shape: readonly number[], sample: () => number): unknown {
  const [first, ...rest] = shape;
  return Array.from({ length: first! }, () => (rest.length ? fill(rest, sample) : sample()));
}

export function generate(spec: GeneratorSpec, stream: Stream): ArgValue {
  const next = spec.seed === undefined ? () => stream.next() : mulberry32(spec.seed);
  if (spec.generate === 'labels') {
    return { type: 'int64', nested: fill(spec.shape, () => Math.floor(next() * spec.classes)) };
  }
  const round = rounder(spec.decimals ?? 4);
  const multiply = spec.multiply ?? 1;
  const draw = (): number => {
    switch (spec.generate) {
      case 'normal': return normalDraw(next, spec.mean, spec.scale);
      case 'uniform': return spec.low + (spec.high - spec.low) * next();
      case 'bernoulli': return next() < spec.p ? 1 : 0;
    }
  };
  return { type: 'float64', nested: fill(spec.shape, () => round(draw()) * multiply) };
}

function scaled(nested: unknown, factor: number): unknown {
  return Array.isArray(nested) ? nested.map((x) => scaled(x, factor)) : (nested as number) * factor;
}

/** Resolves the spec's arguments, drawing generators as they come. */
export class CaseValues {
  private readonly stream: Stream;
  private readonly named = new Map<string, ArgValue>();

  constructor(private readonly source: SpecSource) {
    const next = mulberry32(source.spec.seed ?? 1);
    this.stream = { next };
    for (const [name, arg] of Object.entries(source.spec.values ?? {})) {
      this.named.set(name, this.resolve(arg, ['values', name]));
    }
  }

  resolve(arg: ArgSpec, path: KeyPath): ArgValue {
    if (Array.isArray(arg)) return { type: 'float64', nested: arg };
    if ('float64' in arg) return { type: 'float64', nested: arg.float64 };
    if ('int64' in arg) return { type: 'int64', nested: arg.int64 };
    if ('int' in arg) return { type: 'int', value: arg.int };
    if ('float' in arg) return { type: 'float', value: arg.float };
    if ('generate' in arg) return generate(arg, this.stream);
    const named = this.named.get(arg.value);
    if (!named) throw this.source.errorAt(path, `no value named "${arg.value}" under values: (define it there first)`);
    let result = named;
    if (arg.row !== undefined) {
      const rows = 'nested' in named && Array.isArray(named.nested) ? named.nested : undefined;
      if (!rows || arg.row >= rows.length) throw this.source.errorAt(path, `value "${arg.value}" has no row ${arg.row}`);
      result = { type: named.type as 'float64' | 'int64', nested: rows[arg.row] };
    }
    if (arg.multiply !== undefined) {
      result = 'nested' in result
        ? { type: result.type, nested: scaled(result.nested, arg.multiply) }
        : { type: result.type, value: result.value * arg.multiply };
    }
    return result;
  }
}
