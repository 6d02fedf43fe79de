/**
 * Assignment specs: the built-in ones compile to the checks their metadata promises, a
 * mistake in a spec is reported with its file, line and key path, generators are
 * deterministic, and further check kinds plug in through the registry.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BUILT_IN_ASSIGNMENTS, catalogueDirs } from '../../../graders/catalogue-dirs.js';
import { getAssignment, listAssignments } from '../../../graders/index.js';
import { listAssignmentMetadata } from '../../../graders/metadata.js';
import { generate } from '../../../src/assignments/case-values.js';
import { registerCheckKind } from '../../../src/assignments/check-kinds.js';
import { compileSpec } from '../../../src/assignments/compile-spec.js';
import { parseSpecText, readSpecDir as readSpecDirFor } from '../../../src/assignments/spec-file.js';
import { decodeArray } from '../../../src/sandbox/arrays.js';
import { findPackageRoot } from '../../../src/package-root.js';

const scratch = mkdtempSync(join(tmpdir(), 'spec-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function specText(checks: string, extra = ''): string {
  return `id: demo-spec\ntitle: A demo\nseed: 3\n${extra}notebook:\n  execution: 1\nchecks:\n${checks}`;
}

function compileText(text: string) {
  return compileSpec(parseSpecText(text, '/x/assignment.yaml', scratch));
}

describe('built-in specs', () => {
  it('the catalogue holds the four built-in assignments, compiled from their specs', () => {
    expect(listAssignments().map((a) => a.id)).toEqual([...BUILT_IN_ASSIGNMENTS]);
  });

  it('the light metadata agrees with the compiled checks (ids, points, titles, starters)', () => {
    const metadata = listAssignmentMetadata('');
    expect(metadata.map((m) => m.id)).toEqual([...BUILT_IN_ASSIGNMENTS]);
    for (const meta of metadata) {
      const full = getAssignment(meta.id);
      expect(meta.title).toBe(full.title);
      expect(meta.starterPath).toBe(full.starterPath);
      expect(meta.checks).toEqual(full.checks.map((c) => ({ id: c.id, maxPoints: c.maxPoints })));
      expect(meta.maxScore).toBe(full.checks.reduce((s, c) => s + c.maxPoints, 0));
    }
  });

  it('the metadata loader imports neither TensorFlow.js nor the check implementations', () => {
    const root = findPackageRoot();
    const seen = new Set<string>();
    const bare = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, 'utf8');
      for (const [, spec] of source.matchAll(/^\s*(?:import|export)\s(?!type\b)[^'"]*?from\s+'([^']+)'/gm)) {
        if (spec!.startsWith('.')) visit(resolve(dirname(file), spec!.replace(/\.js$/, '.ts')));
        else bare.add(spec!);
      }
    };
    visit(join(root, 'graders', 'metadata.ts'));
    expect([...bare].filter((m) => m.startsWith('@tensorflow'))).toEqual([]);
    expect([...seen].filter((f) => /(src\/grading|reference)\//.test(f))).toEqual([]);
  });
});

describe('errors name the file, the line and the key path', () => {
  it('a value of the wrong type', () => {
    const text = specText('  - function: f\n    reference: softmax\n    points: 1\n    cases:\n      - label: one\n        args: [[1, 2], { int: 1.5 }]\n');
    expect(() => compileText(text)).toThrow(/^\/x\/assignment\.yaml:12: checks\[0\]\.cases\[0\]\.args\[1\]/);
  });

  it('a key the format does not know', () => {
    const text = specText('  - function: f\n    reference: softmax\n    pionts: 1\n    cases: [{ label: a, args: [[1]] }]\n');
    expect(() => compileText(text)).toThrow(/assignment\.yaml:7: checks\[0\]: .*pionts/);
  });

  it('an unknown reference lists the known ones', () => {
    const text = specText('  - function: f\n    reference: sofmax\n    points: 1\n    cases: [{ label: a, args: [[1]] }]\n');
    expect(() => compileText(text)).toThrow(/assignment\.yaml:8: checks\[0\]\.reference: unknown reference "sofmax"; known: solution, softmax/);
  });

  it('an unknown check kind', () => {
    expect(() => compileText(specText('  - kind: model.acuracy\n    points: 1\n'))).toThrow(/:7: checks\[0\]\.kind: unknown check kind "model\.acuracy"/);
  });

  it('YAML syntax', () => {
    expect(() => compileText('id: x\ntitle: [unclosed\n')).toThrow(/assignment\.yaml:\d+: not valid YAML/);
  });

  it('a check id given twice', () => {
    const entry = '  - function: f\n    reference: softmax\n    points: 1\n    cases: [{ label: a, args: [[1]] }]\n';
    expect(() => compileText(specText(entry + entry))).toThrow(/check id f\.reference appears twice/);
  });
});

describe('case values', () => {
  const draws = (text: string) => compileText(text).definition.checks[1]!.calls().map((c) => c.args.map((a) => (a.kind === 'array' ? decodeArray(a.array) : a)));

  it('generators are deterministic, rounded and shaped; labels are ints below classes', () => {
    const text = specText('  - function: f\n    reference: cross_entropy\n    points: 1\n    cases:\n      - label: a\n        args: [{ generate: normal, shape: [4, 3], scale: 2 }, { generate: labels, shape: [4], classes: 3 }]\n');
    const [first] = draws(text);
    expect(draws(text)).toEqual(draws(text));
    const [logits, labels] = first as [ReturnType<typeof decodeArray>, ReturnType<typeof decodeArray>];
    expect(logits.shape).toEqual([4, 3]);
    expect(logits.values.every((v) => Math.round(v * 1e4) / 1e4 === v)).toBe(true);
    expect(labels.dtype).toBe('int64');
    expect(labels.values.every((v) => Number.isInteger(v) && v >= 0 && v < 3)).toBe(true);
  });

  it('a generator with its own seed does not move the others', () => {
    const g = (n: number) => `{ generate: uniform, shape: [${n}], seed: 9 }`;
    const streamed = '{ generate: normal, shape: [3] }';
    const a = draws(specText(`  - function: f\n    reference: mae\n    points: 1\n    cases:\n      - label: a\n        args: [${g(2)}, ${streamed}]\n`));
    const b = draws(specText(`  - function: f\n    reference: mae\n    points: 1\n    cases:\n      - label: a\n        args: [${g(5)}, ${streamed}]\n`));
    expect(a[0]![1]).toEqual(b[0]![1]);
    expect(generate({ generate: 'uniform', shape: [2], low: 0, high: 1, seed: 9 }, { next: () => 0.5 })).toEqual(generate({ generate: 'uniform', shape: [2], low: 0, high: 1, seed: 9 }, { next: () => 0.1 }));
  });

  it('named values are drawn once and reused, by row too', () => {
    const text = specText('  - function: f\n    reference: mae\n    points: 1\n    cases:\n      - label: a\n        args: [{ value: m, row: 1 }, { value: m, multiply: 2 }]\n', 'values:\n  m: [[1, 2], [3, 4]]\n');
    const [[row, doubled]] = draws(text) as [[ReturnType<typeof decodeArray>, ReturnType<typeof decodeArray>]];
    expect([...row.values]).toEqual([3, 4]);
    expect([...doubled.values]).toEqual([2, 4, 6, 8]);
  });

  it('aliases reach the calls', () => {
    const text = specText('  - function: softmax\n    aliases: [softmax_stable]\n    reference: softmax\n    points: 1\n    cases: [{ label: a, args: [[1, 2]] }]\n');
    expect(compileText(text).definition.checks[1]!.calls()[0]!.aliases).toEqual(['softmax_stable']);
  });
});

describe('check kinds', () => {
  it('a registered kind validates its options in place and builds its check', () => {
    registerCheckKind({
      kind: 'test.constant',
      options: z.strictObject({ kind: z.literal('test.constant'), points: z.number(), give: z.number() }),
      build: (options, ctx) => ({
        id: ctx.id, title: 'constant', maxPoints: options.points, visibility: 'visible', objectives: [],
        calls: () => [], grade: () => ({ points: options.give, feedback: 'constant' }),
      }),
    });
    const definition = compileText(specText('  - kind: test.constant\n    points: 2\n    give: 1\n')).definition;
    expect(definition.checks.map((c) => [c.id, c.maxPoints])).toEqual([['execution', 1], ['test.constant', 2]]);
    expect(() => compileText(specText('  - kind: test.constant\n    points: 2\n    give: one\n'))).toThrow(/:9: checks\[0\]\.give/);
  });
});

describe('folders outside graders/', () => {
  it('ASSIGNMENTS_DIR adds its folders; --assignment takes a folder path', () => {
    const root = join(scratch, 'assignments');
    const dir = join(root, 'demo-spec');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'assignment.yaml'), specText('  - function: f\n    reference: mae\n    points: 1\n    cases: [{ label: a, args: [[1], [2]] }]\n'));
    expect(catalogueDirs(root).at(-1)).toBe(dir);
    expect(listAssignmentMetadata(root).at(-1)).toMatchObject({ id: 'demo-spec', maxScore: 2 });
    expect(getAssignment(dir).checks.map((c) => c.id)).toEqual(['execution', 'f.reference']);
  });
});

describe('reference: solution', () => {
  const dir = join(scratch, 'from-solution');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'solution.ipynb'), JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] }));
  const text = 'id: from-solution\ntitle: t\nsolution: solution.ipynb\nchecks:\n  - function: f\n    reference: solution\n    points: 2\n    cases: [{ label: a, args: [[1, 2]] }, { label: b, args: [[3]] }]\n';
  writeFileSync(join(dir, 'assignment.yaml'), text);
  const ok = (id: string, values: number[]) => ({ id, status: 'ok' as const, value: { dtype: 'float64' as const, shape: [values.length], b64: Buffer.from(new Float64Array(values).buffer).toString('base64') } });
  const grade = (compiled: ReturnType<typeof compileSpec>) => {
    const check = compiled.definition.checks[0]!;
    const calls = new Map([ok('f.reference#0', [0.5, 0.5]), ok('f.reference#1', [3])].map((r) => [r.id, r]));
    return check.grade({ notebook: { cells: [] } as never, starter: undefined, run: { outcome: 'completed', response: undefined, exitCode: 0, stderrTail: '', wallMs: 0 }, calls });
  };

  it('without computed values, grading says to run validate', () => {
    expect(() => grade(compileSpec(readSpecDirFor(dir)))).toThrow(/expected values are not computed yet; run `autograder validate/);
  });

  it('uses cached values keyed by the solution and the cases, and refuses them once the solution changed', async () => {
    const compiled = compileSpec(readSpecDirFor(dir));
    mkdirSync(join(dir, '.autograder'), { recursive: true });
    const values = { 'f.reference#0': ok('', [0.5, 0.5]).value, 'f.reference#1': ok('', [4]).value };
    writeFileSync(compiled.solution.cachePath, JSON.stringify({ key: compiled.solution.key(), values }));
    expect(await grade(compiled)).toMatchObject({ points: 1 });
    writeFileSync(join(dir, 'solution.ipynb'), JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: { changed: true }, cells: [] }));
    expect(() => grade(compileSpec(readSpecDirFor(dir)))).toThrow(/are out of date/);
  });
});
