/** Data files an assignment declares reach the sandbox read-only, where its starter expects them. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileSpec } from '../../../src/assignments/compile-spec.js';
import { parseSpecText } from '../../../src/assignments/spec-file.js';
import { jobFiles } from '../../../src/grading/engine.js';

const scratch = mkdtempSync(join(tmpdir(), 'data-files-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
writeFileSync(join(scratch, 'mnist-train.csv'), 'pixel0,label\n0,7\n');
writeFileSync(join(scratch, 'classes.txt'), 'cat\ndog\n');

const spec = (dataFiles: string) =>
  `id: data-demo\ntitle: Data demo\ndataFiles:\n${dataFiles}notebook:\n  execution: 1\nchecks: []\n`;
const compile = (text: string) => compileSpec(parseSpecText(text, '/x/assignment.yaml', scratch));

describe('dataFiles of a spec', () => {
  it('copies a file beside the notebook, or to the target path the starter reads, read-only either way', () => {
    const { definition } = compile(spec('  - classes.txt\n  - { source: mnist-train.csv, target: data/mnist/train.csv }\n'));
    expect(definition.dataFiles?.map((f) => [f.path, f.readOnly, new TextDecoder().decode(f.data)])).toEqual([
      ['classes.txt', true, 'cat\ndog\n'],
      ['data/mnist/train.csv', true, 'pixel0,label\n0,7\n'],
    ]);
  });

  it('refuses a target outside the notebook\'s folder, naming the line', () => {
    expect(() => compile(spec('  - { source: mnist-train.csv, target: ../../etc/train.csv }\n'))).toThrow(/assignment\.yaml:\d+: dataFiles\[0\].*inside its folder/);
  });

  it('a submitted file of the same path does not replace a data file', () => {
    const { definition } = compile(spec('  - { source: mnist-train.csv, target: data/train.csv }\n'));
    const files = jobFiles(definition, [{ path: 'data/train.csv', data: new Uint8Array([1]) }, { path: 'mine.txt', data: new Uint8Array([2]) }]);
    expect(files.map((f) => [f.path, f.readOnly ?? false])).toEqual([['data/train.csv', true], ['mine.txt', false]]);
  });
});
