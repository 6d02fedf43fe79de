/**
 * Reads `assignment.yaml` and validates it, with errors that name the file, the key path
 * and its line (`assignment.yaml:14 checks[2].cases[0].args: ...`), so an instructor can
 * fix a spec without reading our code.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { GraderError } from '../errors.js';
import {
  AssignmentSpecSchema, FunctionEntrySchema, isFunctionEntry, KindEntrySchema,
  type AssignmentSpec, type CheckEntry,
} from './spec-schema.js';

export const SPEC_FILE = 'assignment.yaml';

export type KeyPath = readonly (string | number)[];

export class SpecError extends GraderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BAD_ASSIGNMENT_SPEC', message, options);
    this.name = 'SpecError';
  }
}

/** A parsed spec with where each key came from. */
export interface SpecSource {
  /** The folder holding assignment.yaml; notebook paths are relative to it. */
  dir: string;
  file: string;
  spec: AssignmentSpec;
  /** `checks:` entries, each read with its own schema. */
  entries: CheckEntry[];
  /** An error naming the file, line and key path of `path`. */
  errorAt(path: KeyPath, message: string): SpecError;
  /** Validates part of the spec (a check kind's options) with errors located in the file. */
  parseAt<T extends z.ZodType>(schema: T, value: unknown, path: KeyPath): z.infer<T>;
  /** An absolute path of a file named in the spec. */
  resolvePath(relative: string): string;
}

export function pathText(path: KeyPath): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${key}` : key), '');
}

/** The line of the deepest node of `path` that exists (a missing key is reported at its parent). */
function lineOf(doc: Document, counter: LineCounter, path: KeyPath): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) return counter.linePos(node.range[0]).line;
  }
  return undefined;
}

export function readSpecDir(dir: string): SpecSource {
  const absolute = resolve(dir);
  const file = join(absolute, SPEC_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new SpecError(`${file} cannot be read (an assignment folder holds an ${SPEC_FILE}): ${(e as Error).message}`, { cause: e });
  }
  return parseSpecText(text, file, absolute);
}

export function parseSpecText(text: string, file: string, dir: string): SpecSource {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  const syntax = doc.errors[0];
  if (syntax) {
    const line = counter.linePos(syntax.pos[0]).line;
    throw new SpecError(`${file}:${line}: not valid YAML: ${syntax.message.split('\n')[0]}`);
  }
  const errorAt = (path: KeyPath, message: string): SpecError => {
    const line = lineOf(doc, counter, path);
    const where = `${file}${line ? `:${line}` : ''}`;
    return new SpecError(`${where}: ${path.length ? `${pathText(path)}: ` : ''}${message}`);
  };
  const parseAt = <T extends z.ZodType>(schema: T, value: unknown, path: KeyPath): z.infer<T> => {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    // A misspelt key also makes the key it should have been missing: name the misspelling.
    const issue = parsed.error.issues.find((i) => i.code === 'unrecognized_keys') ?? parsed.error.issues[0]!;
    const keys = issue.path.filter((k): k is string | number => typeof k !== 'symbol');
    const extra = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
    throw errorAt([...path, ...keys], `${issue.message}${extra}`);
  };
  const spec = parseAt(AssignmentSpecSchema, doc.toJS(), []);
  const entries = spec.checks.map((entry, i): CheckEntry =>
    isFunctionEntry(entry) ? parseAt(FunctionEntrySchema, entry, ['checks', i]) : parseAt(KindEntrySchema, entry, ['checks', i]));
  return {
    dir,
    file,
    spec,
    entries,
    errorAt,
    parseAt,
    resolvePath: (relative) => (isAbsolute(relative) ? relative : join(dir, relative)),
  };
}
