/**
 * Hidden sets and data files from CSV: a header row, numeric feature columns, and an
 * integer label column (last by default).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { SandboxFile } from '../../sandbox/sandbox.js';
import type { HiddenSet } from './hidden-set.js';

export interface CsvHiddenSetOptions {
  name: string;
  classes: number;
  classNames?: string[];
  /** @defaultValue 'label' */
  labelColumn?: string;
}

export function hiddenSetFromCsv(path: string, options: CsvHiddenSetOptions): HiddenSet {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines[0]?.split(',').map((h) => h.trim()) ?? [];
  const labelAt = header.indexOf(options.labelColumn ?? 'label');
  if (labelAt < 0) throw new Error(`${path}: no column "${options.labelColumn ?? 'label'}" in the header ${header.join(',')}`);
  const features = header.length - 1;
  const values = new Float32Array((lines.length - 1) * features);
  const labels = new Int32Array(lines.length - 1);
  lines.slice(1).forEach((line, row) => {
    const cells = line.split(',').map(Number);
    if (cells.length !== header.length || cells.some((c) => !Number.isFinite(c))) throw new Error(`${path}: row ${row + 2} is not ${header.length} numbers`);
    let k = 0;
    cells.forEach((c, j) => {
      if (j === labelAt) labels[row] = c;
      else values[row * features + k++] = c;
    });
  });
  return {
    name: options.name,
    inputs: { shape: [labels.length, features], values },
    labels,
    classes: options.classes,
    ...(options.classNames ? { classNames: options.classNames } : {}),
  };
}

/** A file the notebook reads, copied into the sandbox read-only, under its own name or where the starter expects it. */
export function dataFile(path: string, as = basename(path)): SandboxFile {
  return { path: as, data: new Uint8Array(readFileSync(path)), readOnly: true };
}
