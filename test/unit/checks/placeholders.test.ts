import { describe, expect, it } from 'vitest';
import type { GradingContext } from '../../../src/grading/assignment.js';
import { placeholders } from '../../../src/grading/checks/placeholders.js';
import type { Notebook } from '../../../src/notebook/schema.js';
import { code, courseNotebook, edited, md, notebookOf } from '../../helpers/notebooks.js';

const ctx = (notebook: Notebook, starter?: Notebook): GradingContext => ({ notebook, starter, run: undefined, calls: new Map() });

describe('the placeholders check', () => {
  it('is a static check with the contract id', () => {
    const check = placeholders({ points: 2, objectives: ['OG-Craft'] });
    expect(check).toMatchObject({ id: 'placeholders', maxPoints: 2, visibility: 'visible', objectives: ['OG-Craft'] });
    expect(check.calls()).toEqual([]);
  });

  it('gives nothing for the unchanged u05n1-softmax starter and lists each placeholder by cell and line', async () => {
    const starter = courseNotebook('u05n1-softmax.ipynb');
    const verdict = await placeholders({ points: 2 }).grade(ctx(starter, starter));
    expect(verdict.points).toBe(0);
    // 0-based indexes of the cells the feedback names, for pages that show it beside them.
    expect(verdict.cells).toEqual([11, 28, 30, 32]);
    expect(verdict.feedback.split('\n')).toEqual([
      '4 placeholders are still in your code:',
      '- cell 12 ("def softmax(xx):"), line 6: `return ...`: replace the `...` with your code',
      '- cell 29, line 1: `# your code here (the first mathematical operation in `softmax`)`: write your code below this marker',
      '- cell 31, line 1: `# your code here`: write your code below this marker',
      '- cell 33, line 1: `# your code here`: write your code below this marker',
    ]);
  });

  it('gives full points for the solution', async () => {
    const verdict = await placeholders({ points: 2 }).grade(ctx(courseNotebook('u05n1-softmax_soln.ipynb'), courseNotebook('u05n1-softmax.ipynb')));
    expect(verdict).toEqual({ points: 2, feedback: 'No code placeholders are left in your notebook.' });
  });

  it('takes points in proportion to the starter\'s placeholders left', async () => {
    const starter = courseNotebook('u05n1-softmax.ipynb');
    const oneFixed = edited(starter, { 11: 'def softmax(xx):\n    expos = xx.exp()\n    return expos / expos.sum(axis=-1)' });
    const verdict = await placeholders({ points: 2 }).grade(ctx(oneFixed, starter));
    expect(verdict.points).toBe(0.5);
    expect(verdict.feedback).toContain('3 placeholders are still in your code:');
  });

  it('takes a quarter of the points per placeholder without a starter, or what the assignment says', async () => {
    const nb = notebookOf([md('# HW'), code('def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()')]);
    expect((await placeholders({ points: 2 }).grade(ctx(nb))).points).toBe(1.5);
    expect((await placeholders({ points: 2, pointsPerPlaceholder: 0.25 }).grade(ctx(nb))).points).toBe(1.75);
    const feedback = (await placeholders({ points: 2 }).grade(ctx(nb))).feedback;
    expect(feedback).toContain('1 placeholder is still in your code:');
    expect(feedback).toContain('line 3: `raise NotImplementedError()`');
  });

  it('uses the assignment\'s patterns', async () => {
    const nb = notebookOf([code('x = ...  # TODO: compute x')]);
    const todoOnly = placeholders({ points: 1, patterns: [{ label: 'TODO', in: 'comment', regex: /\bTODO\b/ }] });
    const verdict = await todoOnly.grade(ctx(nb));
    expect(verdict.points).toBe(0.75);
    expect(verdict.feedback).toContain('replace it (TODO)');
    expect((await placeholders({ points: 1, patterns: ['fixme'] }).grade(ctx(nb))).points).toBe(1);
  });

  it('lists at most 20 placeholders and counts the rest', async () => {
    const nb = notebookOf(Array.from({ length: 25 }, (_, i) => code(`x${i} = ...`)));
    const verdict = await placeholders({ points: 1 }).grade(ctx(nb));
    expect(verdict.points).toBe(0);
    const lines = verdict.feedback.split('\n');
    expect(lines).toHaveLength(22);
    expect(lines[21]).toBe('- … and 5 more');
  });
});
