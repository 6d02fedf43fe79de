import { describe, expect, it } from 'vitest';
import { analyzeStoredExecution } from '../../../src/notebook/execution.js';
import type { Output } from '../../../src/notebook/schema.js';
import { code, courseNotebook, md, notebookOf } from '../../helpers/notebooks.js';

const stream = (text: string): Output => ({ output_type: 'stream', name: 'stdout', text });
const result = (count: number): Output => ({ output_type: 'execute_result', data: { 'text/plain': '1' }, execution_count: count });

describe('analyzeStoredExecution', () => {
  it('accepts counts increasing top to bottom, gaps included', () => {
    const nb = notebookOf([md('# Setup'), code('import torch', { count: 1 }), code('x = 1', { count: 4 }), md('text'), code('x', { count: 9, outputs: [result(9)] })]);
    const analysis = analyzeStoredExecution(nb);
    expect(analysis.state).toBe('numbered');
    expect(analysis.problems).toEqual([]);
  });

  it('reports a decrease as running out of order, naming both cells', () => {
    const nb = notebookOf([code('a = 1', { count: 1 }), code('b = a + 1', { count: 5 }), code('print(b)', { count: 3 })]);
    const analysis = analyzeStoredExecution(nb);
    expect(analysis.outOfOrder).toEqual([{ cellIndex: 2, count: 3, previousCellIndex: 1, previousCount: 5 }]);
    expect(analysis.problems).toEqual([
      'Cell 3 ("print(b)") ran as In [3], before cell 2 ("b = a + 1") above it (In [5]): the notebook was run out of order',
    ]);
  });

  it('does not count all-null counts with outputs present as an error', () => {
    const nb = notebookOf([code('print(1)', { outputs: [stream('1\n')] }), code('x = 2')]);
    const analysis = analyzeStoredExecution(nb);
    expect(analysis.state).toBe('unnumbered');
    expect(analysis.problems).toEqual([]);
  });

  it('reports a notebook saved without being run', () => {
    const nb = notebookOf([md('# Lab'), code('print(1)'), code('x = 2'), code('')]);
    const analysis = analyzeStoredExecution(nb);
    expect(analysis.state).toBe('never-run');
    expect(analysis.problems).toHaveLength(1);
    expect(analysis.problems[0]).toContain('saved without being run');
  });

  it('reports error outputs with the cell and the error name', () => {
    const error: Output = {
      output_type: 'error',
      ename: 'NameError',
      evalue: "name 'x2' is not defined",
      traceback: ['\u001b[0;31mNameError\u001b[0m: name ...'],
    };
    const nb = notebookOf([code('x = 1', { count: 1 }), code('softmax(x2)', { count: 2, outputs: [error] })]);
    const analysis = analyzeStoredExecution(nb);
    expect(analysis.errors).toEqual([{ cellIndex: 1, ename: 'NameError', evalue: "name 'x2' is not defined" }]);
    expect(analysis.problems).toEqual([`Cell 2 ("softmax(x2)") stopped with an error (NameError: name 'x2' is not defined)`]);
  });

  it('reports cells left unrun among run ones, and ignores blank code cells', () => {
    const nb = notebookOf([code('a = 1', { count: 1 }), code('b = 2'), code('   \n'), code('c = 3', { outputs: [stream('x')] }), code('d', { count: 2 })]);
    const analysis = analyzeStoredExecution(nb);
    expect(analysis.unrun).toEqual([{ cellIndex: 1, hasOutputs: false }, { cellIndex: 3, hasOutputs: true }]);
    expect(analysis.problems[0]).toBe('Cell 2 ("b = 2") was never run');
    expect(analysis.problems[1]).toContain('still running or interrupted');
  });

  it('has nothing to say about a notebook without code', () => {
    expect(analyzeStoredExecution(notebookOf([md('just words')]))).toMatchObject({ state: 'no-code', problems: [] });
  });
});

describe('analyzeStoredExecution on the course notebooks', () => {
  it('finds the MNIST solution was run out of order (its extension cell ran before the analysis)', () => {
    const analysis = analyzeStoredExecution(courseNotebook('u05n3-mnist-clf_soln.ipynb'));
    expect(analysis.outOfOrder.map((o) => [o.cellIndex, o.count, o.previousCount])).toEqual([[62, 26, 32]]);
    expect(analysis.errors).toEqual([]);
  });

  it('finds the student\'s last training cell of Example_Lab1 saved while running', () => {
    const analysis = analyzeStoredExecution(courseNotebook('Example_Lab1.ipynb'));
    expect(analysis.outOfOrder).toEqual([]);
    expect(analysis.unrun).toEqual([{ cellIndex: 34, hasOutputs: true }]);
  });

  it('finds the Lab 1 starter run out of order, as instructors\' starters often are', () => {
    const analysis = analyzeStoredExecution(courseNotebook('Lab1.ipynb'));
    expect(analysis.outOfOrder.map((o) => o.cellIndex)).toEqual([26, 32]);
  });
});
