/**
 * An assignment spec (assignment.yaml) made into the AssignmentDefinition the engine
 * grades with: the course's notebook checks, a reference check (and stability probe) per
 * function, and the registered check kinds. The result has the check ids and points the
 * metadata loader reads from the same spec (checked here).
 */
import { standardChecks } from '../../graders/common/standard-checks.js';
import { defineAssignment, type AssignmentDefinition, type Check } from '../grading/assignment.js';
import type { FunctionCheckOptions, TestCase } from '../grading/checks/function-check.js';
import { matchesReference } from '../grading/checks/reference-match.js';
import { dataFile } from '../grading/model/csv-data.js';
import { lossStability, softmaxStability } from '../grading/checks/stability.js';
import { f64, float, i64, int, type CaseInput } from '../grading/inputs.js';
import { findReference, referenceNames } from '../grading/reference-registry.js';
import './builtin-kinds.js';
import { CaseValues, type ArgValue } from './case-values.js';
import { checkKindNames, findCheckKind } from './check-kinds.js';
import { checkOutline } from './metadata.js';
import { SolutionValues } from './solution-values.js';
import type { KeyPath, SpecSource } from './spec-file.js';
import { isFunctionCheck, kindEntryCheckId, type CaseSpec, type FunctionEntry, type KindEntry } from './spec-schema.js';

export interface CompiledAssignment {
  definition: AssignmentDefinition;
  source: SpecSource;
  /** Expected values from the solution notebook; `needed` is false when no check uses them. */
  solution: SolutionValues;
}

export const SOLUTION_REFERENCE = 'solution';

function caseInput(value: ArgValue, source: SpecSource, path: KeyPath): CaseInput {
  try {
    switch (value.type) {
      case 'float64': return f64(value.nested);
      case 'int64': return i64(value.nested);
      case 'int': return int(value.value);
      case 'float': return float(value.value);
    }
  } catch (e) {
    throw source.errorAt(path, `not a rectangular array of numbers: ${(e as Error).message}`);
  }
}

function testCases(cases: CaseSpec[], values: CaseValues, source: SpecSource, path: KeyPath): TestCase[] {
  return cases.map((c, i) => ({
    label: c.label,
    inputs: c.args.map((arg, j) => caseInput(values.resolve(arg, [...path, i, 'args', j]), source, [...path, i, 'args', j])),
  }));
}

function signatureOf(entry: FunctionEntry, cases: TestCase[]): string {
  if (entry.signature) return entry.signature;
  const arity = cases[0]?.inputs.length ?? 0;
  return `${entry.function}(${Array.from({ length: arity }, (_, i) => `arg${i + 1}`).join(', ')})`;
}

function functionChecks(entry: FunctionEntry, path: KeyPath, source: SpecSource, values: CaseValues, solution: SolutionValues): Check[] {
  const fromSolution = entry.reference === SOLUTION_REFERENCE;
  const reference = fromSolution ? undefined : findReference(entry.reference);
  if (!fromSolution && !reference) {
    throw source.errorAt([...path, 'reference'], `unknown reference "${entry.reference}"; known: ${[SOLUTION_REFERENCE, ...referenceNames()].join(', ')}`);
  }
  if (fromSolution && !source.spec.solution) {
    throw source.errorAt([...path, 'reference'], '`reference: solution` needs the spec to name its solution notebook (solution: ...)');
  }
  const cases = testCases(entry.cases, values, source, [...path, 'cases']);
  const signature = signatureOf(entry, cases);
  const common = {
    signature,
    ...(entry.arrayType ? { arrayType: entry.arrayType } : {}),
    ...(entry.aliases?.length ? { aliases: entry.aliases } : {}),
    ...(entry.tolerance ? { tolerance: entry.tolerance } : {}),
  };
  // The solution's values are looked up when a check first grades, by the ids of its calls.
  const expectedFrom = (check: () => Check): Pick<FunctionCheckOptions, 'reference' | 'expectedValues'> =>
    fromSolution ? { expectedValues: () => solution.expected(check().calls().map((c) => c.id)) } : { reference: reference! };

  let referenceCheck: Check | undefined;
  referenceCheck = matchesReference(entry.function, reference!, {
    ...common,
    ...expectedFrom(() => referenceCheck!),
    cases,
    points: entry.points,
    ...(entry.objectives ? { objectives: entry.objectives } : {}),
    ...(entry.hint ? { hint: entry.hint } : {}),
    ...(entry.title ? { title: entry.title } : {}),
    ...(entry.visibility ? { visibility: entry.visibility } : {}),
  });
  const checks = [referenceCheck];

  const probe = entry.stability;
  if (probe) {
    const probePath = [...path, 'stability'];
    if (probe.probe === 'loss' && !probe.cases) throw source.errorAt(probePath, 'a loss stability probe needs its cases (extreme logits with their labels)');
    let stabilityCheck: Check | undefined;
    const options = {
      ...common,
      ...expectedFrom(() => stabilityCheck!),
      points: probe.points,
      ...(probe.cases ? { cases: testCases(probe.cases, values, source, [...probePath, 'cases']) } : {}),
      ...(probe.hint ? { hint: probe.hint } : {}),
      ...(probe.title ? { title: probe.title } : {}),
      objectives: probe.objectives ?? entry.objectives ?? [],
    };
    stabilityCheck = probe.probe === 'softmax'
      ? softmaxStability(entry.function, reference!, options)
      : lossStability(entry.function, reference!, { ...options, cases: options.cases ?? [] });
    checks.push(stabilityCheck);
  }
  if (fromSolution) for (const check of checks) solution.add(check.calls());
  return checks;
}

function kindCheck(entry: KindEntry, path: KeyPath, source: SpecSource, values: CaseValues): Check {
  const kind = findCheckKind(entry.kind);
  if (!kind) throw source.errorAt([...path, 'kind'], `unknown check kind "${entry.kind}"; known: function, ${checkKindNames().join(', ')}`);
  const id = kindEntryCheckId(entry);
  const check = kind.build(source.parseAt(kind.options, entry, path), { source, path, id, values });
  if (check.id !== id) throw source.errorAt(path, `check kind ${entry.kind} made a check with id ${check.id}, not ${id}`);
  return check;
}

export function compileSpec(source: SpecSource): CompiledAssignment {
  const { spec } = source;
  const outline = checkOutline(source);
  const values = new CaseValues(source);
  const solution = new SolutionValues(source);
  const notebook = spec.notebook;
  const checks: Check[] = notebook
    ? standardChecks({
      narrative: notebook.narrative ?? 0,
      placeholders: notebook.placeholders ?? 0,
      execution: notebook.execution ?? 0,
      ...(notebook.objectives ? { objectives: notebook.objectives } : {}),
    }).filter((check) => notebook[check.id as 'narrative' | 'placeholders' | 'execution'] !== undefined)
    : [];
  source.entries.forEach((entry, i) => {
    const path = ['checks', i];
    if (isFunctionCheck(entry)) checks.push(...functionChecks(entry, path, source, values, solution));
    else checks.push(kindCheck(entry, path, source, values));
  });
  checks.forEach((check, i) => {
    if (check.id !== outline[i]?.id || check.maxPoints !== outline[i]?.maxPoints) {
      throw new Error(`assignment ${spec.id}: compiled check ${check.id} (${check.maxPoints} points) differs from the spec's outline`);
    }
  });
  const definition = defineAssignment({
    id: spec.id,
    title: spec.title,
    checks,
    ...(spec.starter ? { starterPath: source.resolvePath(spec.starter) } : {}),
    ...(spec.execute !== undefined ? { execute: spec.execute } : {}),
    ...(spec.gpu !== undefined ? { gpu: spec.gpu } : {}),
    ...(spec.dataFiles ? { dataFiles: spec.dataFiles.map((file) => (typeof file === 'string' ? dataFile(source.resolvePath(file)) : dataFile(source.resolvePath(file.source), file.target))) } : {}),
    ...(spec.limits ? { limits: spec.limits } : {}),
    ...(spec.dueAt ? { dueAt: spec.dueAt } : {}),
  });
  return { definition, source, solution };
}
