import { describe, expect, it } from 'vitest';
import type { GradingContext } from '../../../src/grading/assignment.js';
import { narrative, NARRATIVE_WEIGHTS } from '../../../src/grading/checks/narrative.js';
import type { Notebook } from '../../../src/notebook/schema.js';
import { code, courseNotebook, edited, md, notebookOf } from '../../helpers/notebooks.js';

const ctx = (notebook: Notebook, starter?: Notebook): GradingContext => ({ notebook, starter, run: undefined, calls: new Map() });
const softmax = () => courseNotebook('u05n1-softmax.ipynb');

/** The softmax starter with the first `answered` of its five questions answered in Markdown. */
function softmaxAnswered(answered: number): Notebook {
  const answers: Record<number, string> = {
    21: 'The same: adding a constant to every logit multiplies every exp by the same factor, which cancels.',
    23: 'Different: doubling the logits makes the largest one dominate, so the distribution gets sharper.',
    36: 'exp(50 * 3) overflows float32 to inf, and inf / inf is nan.',
    38: 'Subtracting the max adds a constant to every logit, which question 1 showed changes nothing.',
    40: 'After subtracting the max the largest exponent is exp(0) = 1, so nothing overflows.',
  };
  const keep = Object.fromEntries(Object.entries(answers).slice(0, answered));
  return edited(softmax(), keep);
}

describe('the narrative check', () => {
  it('is a static check with the contract id', () => {
    const check = narrative({ points: 3, objectives: ['OG-Communication'], visibility: 'after_due', title: 'Story' });
    expect(check).toMatchObject({ id: 'narrative', title: 'Story', maxPoints: 3, visibility: 'after_due', objectives: ['OG-Communication'] });
    expect(check.calls()).toEqual([]);
    expect(Object.values(NARRATIVE_WEIGHTS).reduce((a, b) => a + b, 0)).toBeCloseTo(1);
  });

  it('gives nothing for the unchanged starter and names every unanswered question', async () => {
    const verdict = await narrative({ points: 3 }).grade(ctx(softmax(), softmax()));
    expect(verdict.points).toBe(0);
    expect(verdict.feedback).toContain('You have not written any Markdown of your own yet');
    for (const n of [1, 2, 3, 4, 5]) expect(verdict.feedback).toContain(`Question ${n} (`);
  });

  it('gives nothing for the solution, whose code is right but whose questions are unanswered', async () => {
    const verdict = await narrative({ points: 3 }).grade(ctx(courseNotebook('u05n1-softmax_soln.ipynb'), softmax()));
    expect(verdict.points).toBe(0);
    expect(verdict.feedback).toContain('Question 3 ("Explain why `softmax(x2)` failed.") is unanswered');
  });

  it('gives full points when every question is answered in Markdown', async () => {
    const verdict = await narrative({ points: 3 }).grade(ctx(softmaxAnswered(5), softmax()));
    expect(verdict).toEqual({ points: 3, feedback: 'All 5 questions are answered in Markdown, and the notebook tells its story in Markdown between the code.' });
  });

  it('splits the points across its components', async () => {
    // 2 of 5 answered (answers 0.5 × 2/5), 2 of 3 own Markdown cells (0.15 × 2/3),
    // interleaving and seed fine (0.15 + 0.1); micro-headings not required, so out of 0.9.
    const verdict = await narrative({ points: 3 }).grade(ctx(softmaxAnswered(2), softmax()));
    const expected = (3 * (0.5 * (2 / 5) + 0.15 * (2 / 3) + 0.15 + 0.1)) / 0.9;
    expect(verdict.points).toBeCloseTo(expected, 3);
    expect(verdict.feedback).toContain('2 of 5 questions answered in Markdown.');
    expect(verdict.feedback).toContain('Your notebook has 2 Markdown cells of your own; write at least 3');
    expect(verdict.feedback).toContain('Points: questions answered 0.67/1.67, Markdown of your own 0.33/0.5, Markdown between code 0.5/0.5, seed not in narrative 0.33/0.33.');
  });

  it('gives the shares of components turned off to the others', async () => {
    const check = narrative({ points: 2, minMarkdownCells: 0, maxCodeCellsInARow: 0, seedNotInNarrative: false });
    expect((await check.grade(ctx(softmaxAnswered(2), softmax()))).points).toBeCloseTo(0.8, 3);
  });

  it('says that Example_Lab1\'s code-comment answer does not count, and which questions are unanswered', async () => {
    const verdict = await narrative({ points: 4 }).grade(ctx(courseNotebook('Example_Lab1.ipynb'), courseNotebook('Lab1.ipynb')));
    expect(verdict.points).toBeGreaterThan(0);
    expect(verdict.points).toBeLessThan(4);
    expect(verdict.feedback).toContain('6 of 9 questions answered in Markdown.');
    expect(verdict.feedback).toContain('Question 4 ("Use `learn.fine_tune?` to bring up the documentation.") is unanswered');
    expect(verdict.feedback).toContain(
      'Question 5 ("Give an example filename for one of the images in the dataset.") is answered in a code comment (cell 14: "Abc.jpg would be labeled as a cat because it…"); answers count in a Markdown cell: move it into one below the question.',
    );
    expect(verdict.feedback).toContain('Question 9 ("How might we change the task?") is unanswered');
  });

  it('takes the seed share when the narrative reports the seed\'s value', async () => {
    const starter = notebookOf([md('# Lab'), code('torch.manual_seed(1234)\nmodel = train()'), md('**Question**: How accurate is it?')]);
    const submission = edited(starter, {}, [
      { after: 2, cell: md('It reaches 91% accuracy on the validation set (seed 1234).') },
      { after: 2, cell: md('The training loss falls steadily over the epochs.') },
    ]);
    const verdict = await narrative({ points: 1, minMarkdownCells: 1 }).grade(ctx(submission, starter));
    expect(verdict.points).toBeCloseTo(1 - 0.1 / 0.9, 3);
    expect(verdict.feedback).toContain(
      'The random seed\'s value 1234 (set in cell 2: `torch.manual_seed(1234)`) appears in your narrative in cell 4 ("It reaches 91% accuracy on the validation set…"); leave the seed\'s value out of the narrative.',
    );
  });

  it('reports long runs of code cells', async () => {
    const nb = notebookOf([md('# Lab'), ...['a', 'b', 'c', 'd', 'e', 'f'].map((s) => code(`${s} = 1`)), md('## Done\n\nAll the steps are above.')]);
    const verdict = await narrative({ points: 1, minMarkdownCells: 2, maxCodeCellsInARow: 4 }).grade(ctx(nb));
    expect(verdict.feedback).toContain('Cells 2-7 are 6 code cells in a row (at most 4 without Markdown between them)');
    expect(verdict.points).toBeCloseTo(1 - 0.15 / 0.4, 3);
  });

  it('requires the micro-headings the assignment lists', async () => {
    const nb = notebookOf([md('# Report'), code('acc = evaluate(model)'), md('**accuracy**: 93% on the validation set.\n\nstability: no NaN for extreme logits.')]);
    const verdict = await narrative({ points: 1, minMarkdownCells: 1, requireMicroHeadings: ['accuracy', 'stability'] }).grade(ctx(nb));
    expect(verdict.feedback).toContain('Write the micro-heading stability in bold, as **stability**: at the start of its paragraph.');
    expect(verdict.points).toBeCloseTo(1 - 0.05 / 0.5, 3);
  });

  it('with requireMicroHeadings true, asks each answer to open with one', async () => {
    const starter = notebookOf([md('**Question**: Why?'), md('*your answer here*'), code('x = 1'), md('**Question**: How?'), md('*your answer here*')]);
    const submission = edited(starter, { 1: '**Answer**: because the loss is convex here.', 4: 'By gradient descent on the loss.' });
    const check = narrative({ points: 1, minMarkdownCells: 2, microHeadings: ['Answer', 'Why'], requireMicroHeadings: true });
    const verdict = await check.grade(ctx(submission, starter));
    expect(verdict.feedback).toContain('Open each answer with a bold micro-heading (**Answer**:, **Why**: ...); the answer to question 2 does not.');
    expect(verdict.points).toBeCloseTo(1 - 0.05, 3);
  });
});
