import { describe, expect, it } from 'vitest';
import { analyzeNarrative, codeRuns, findSeeds } from '../../../src/notebook/narrative.js';
import type { Notebook } from '../../../src/notebook/schema.js';
import { code, courseNotebook, edited, md, notebookOf } from '../../helpers/notebooks.js';

const softmax = () => courseNotebook('u05n1-softmax.ipynb');
const statuses = (nb: Notebook, starter: Notebook | undefined, options = {}) =>
  analyzeNarrative(nb, starter, options).questions.map((q) => q.status);

describe('questions of the u05n1-softmax starter', () => {
  it('finds its five analysis questions, unanswered in the starter itself', () => {
    const starter = softmax();
    const analysis = analyzeNarrative(starter, starter);
    expect(analysis.questions.map((q) => q.label)).toEqual([
      'Are `softmax(y2)` and `softmax(y3)` the same or different?',
      'Are `softmax(y2)` and `softmax(y4)` the same or different?',
      'Explain why `softmax(x2)` failed.',
      'Use your observations in #1-2 above to explain why `softmax_stable`…',
      "Explain why `softmax_stable` doesn't give us infinity or Not A Number anymore for `x2`.",
    ]);
    expect(analysis.questions.every((q) => q.status === 'placeholder-left')).toBe(true);
    expect(analysis.questions[0]?.message).toBe(
      'Question 1 ("Are `softmax(y2)` and `softmax(y3)` the same or different?") is unanswered: the placeholder "*your answer here*" is still there; replace it with your answer in Markdown.',
    );
    expect(analysis.studentMarkdownCells).toBe(0);
  });

  it('finds the solution\'s narrative unanswered although its code is right', () => {
    const analysis = analyzeNarrative(courseNotebook('u05n1-softmax_soln.ipynb'), softmax());
    expect(analysis.questions.map((q) => q.status)).toEqual(Array(5).fill('placeholder-left'));
    expect(analysis.studentMarkdownCells).toBe(0);
  });

  it('tells answered, trivial, code-comment and placeholder-left answers apart (matched by question text)', () => {
    const starter = softmax();
    const submission = edited(
      starter,
      {
        21: 'They are the same: softmax does not change when a constant is added to every logit.',
        23: '*your answer here*\n\nThey differ, because multiplying the logits by 2 sharpens the distribution.',
        36: 'Yes.',
        38: '',
      },
      [{ after: 38, cell: code('# exp(x) of a large x overflows to inf, and inf / inf is nan\nsoftmax_stable(x)') }],
    );
    const analysis = analyzeNarrative(submission, starter);
    expect(analysis.questions.map((q) => q.status)).toEqual(['answered', 'answered-placeholder-left', 'trivial', 'code-comment', 'placeholder-left']);
    expect(analysis.questions.map((q) => q.credit)).toEqual([1, 0.5, 0, 0, 0]);
    expect(analysis.questions[2]?.message).toContain('has only a very short answer ("yes")');
    expect(analysis.questions[3]?.message).toBe(
      'Question 4 ("Use your observations in #1-2 above to explain why `softmax_stable`…") is answered in a code comment (cell 40: "exp(x) of a large x overflows to inf, and inf /…"); answers count in a Markdown cell: move it into one below the question.',
    );
    expect(analysis.studentMarkdownCells).toBe(3);
  });

  it('finds an answer written in a new cell after the question, with the placeholder cell deleted', () => {
    const starter = softmax();
    const cells = starter.cells.filter((_, i) => i !== 21);
    cells.splice(21, 0, md('**Answer**: the same, since softmax is invariant to adding a constant.'));
    expect(statuses({ ...starter, cells }, starter)[0]).toBe('answered');
  });

  it('finds a question whose text the student rewrote by its position between the questions around it', () => {
    const starter = softmax();
    const rewritten = edited(starter, {
      35: '3. Why did it fail? (my words)',
      36: 'Because exp(150) overflows float32 to inf, and inf / inf is nan.',
    });
    const analysis = analyzeNarrative(rewritten, starter);
    expect(analysis.questions[2]).toMatchObject({ status: 'answered', matchedBy: 'position', cellIndex: 35 });
    expect(analysis.questions.filter((q) => q.number !== 3).map((q) => q.matchedBy)).toEqual(Array(4).fill('question-text'));
  });

  it('matches questions by cell id before their text', () => {
    const withIds = (nb: Notebook): Notebook => ({ ...nb, nbformat_minor: 5, cells: nb.cells.map((c, i) => ({ ...c, id: `c${i}` })) });
    const starter = withIds(softmax());
    // The student moved question 1 and its answer to the end and reworded it.
    const cells = [...starter.cells];
    const [question, answer] = cells.splice(20, 2);
    cells.push({ ...question!, source: 'Question one, reworded entirely' }, { ...answer!, source: 'They are the same: a constant shift cancels out.' });
    const analysis = analyzeNarrative({ ...starter, cells }, starter);
    expect(analysis.questions[0]).toMatchObject({ status: 'answered', matchedBy: 'cell-id', cellIndex: cells.length - 2 });
  });

  it('finds no question of the softmax starter in a notebook of another unit', () => {
    const analysis = analyzeNarrative(courseNotebook('u05n3-mnist-clf_soln.ipynb'), softmax());
    expect(analysis.questions.map((q) => q.status)).toEqual(Array(5).fill('not-found'));
  });

  it('finds a question whose cell was deleted as not found', () => {
    const starter = softmax();
    const cells = starter.cells.filter((_, i) => i !== 35 && i !== 36);
    const analysis = analyzeNarrative({ ...starter, cells }, starter);
    expect(analysis.questions[2]?.status).toBe('not-found');
    expect(analysis.questions[2]?.message).toContain('Question 3 ("Explain why `softmax(x2)` failed.") is not in your notebook any more');
  });
});

describe('the Example_Lab1 submission against the Lab1 starter', () => {
  const analysis = () => analyzeNarrative(courseNotebook('Example_Lab1.ipynb'), courseNotebook('Lab1.ipynb'));

  it('finds the starter\'s placeholder questions and **Question**: prompts', () => {
    expect(analysis().questions.map((q) => `${q.number} ${q.status}`)).toEqual([
      '1 answered',
      '2 answered',
      '3 answered',
      '4 missing',
      '5 code-comment',
      '6 answered',
      '7 answered',
      '8 answered',
      '9 missing',
    ]);
  });

  it('says that an answer written as a code comment does not count', () => {
    const question = analysis().questions[4];
    expect(question?.cellIndex).toBe(12);
    expect(question?.message).toBe(
      'Question 5 ("Give an example filename for one of the images in the dataset.") is answered in a code comment (cell 14: "Abc.jpg would be labeled as a cat because it…"); answers count in a Markdown cell: move it into one below the question.',
    );
  });

  it('accepts a multiple-choice answer marked in the question cell', () => {
    expect(analysis().questions[7]).toMatchObject({ label: 'What is the output of the model?', status: 'answered', cellIndex: 19 });
  });

  it('finds the seed set in code and not mentioned in the narrative', () => {
    const result = analysis();
    expect(result.seeds).toEqual([{ value: '42', cellIndex: 10, text: 'path, get_image_files(path), valid_pct=0.2, seed=42,' }]);
    expect(result.seedMentions).toEqual([]);
  });
});

describe('without a starter', () => {
  it('uses the submission\'s own **Question**: prompts and sees code-comment answers', () => {
    const analysis = analyzeNarrative(courseNotebook('Example_Lab1.ipynb'), undefined);
    expect(analysis.questions.map((q) => q.status)).toEqual(['missing', 'code-comment', 'answered', 'answered', 'missing', 'missing']);
    expect(analysis.questions[1]?.message).toContain('Question 2 ("Give an example filename');
    expect(analysis.questions[1]?.message).toContain('is answered in a code comment (cell 14: "Abc.jpg would be labeled as a cat because it…")');
  });

  it('counts the submission\'s own answer placeholders as unanswered', () => {
    const analysis = analyzeNarrative(courseNotebook('u05n3-mnist-clf_soln.ipynb'), undefined);
    expect(analysis.questions.map((q) => q.label)).toEqual([
      'Q1: Why is `logits.shape` 16 by 10?',
      'Q2: Before we trained the model (i.e., it just had random weights),…',
      'Q3: Adjust the learning rate parameter.',
      'Q4: Why the weight images look the way they do?',
    ]);
    expect(analysis.questions.every((q) => q.status === 'placeholder-left')).toBe(true);
  });
});

describe('matching by nbformat cell id', () => {
  it('finds the answer cell by id even when the question was reworded', () => {
    const starter = courseNotebook('u05n3-mnist-clf_soln.ipynb');
    const submission = edited(starter, {
      52: '## Analysis\n\nQuestion one, in my words: why 16 x 10 logits?',
      53: 'A batch holds 16 images and the model gives one logit for each of the 10 digits.',
    });
    const analysis = analyzeNarrative(submission, starter);
    expect(analysis.questions.map((q) => q.status)).toEqual(['answered', 'placeholder-left', 'placeholder-left', 'placeholder-left']);
  });

  it('falls back to the question text when the student\'s cells have new ids', () => {
    const starter = courseNotebook('u05n3-mnist-clf_soln.ipynb');
    const submission = edited(starter, { 56: 'About ln(10) = 2.3, since random weights give every digit about the same probability.' });
    const renumbered = { ...submission, cells: submission.cells.map((c, i) => ({ ...c, id: `new-${i}` })) };
    expect(statuses(renumbered, starter)).toEqual(['placeholder-left', 'answered', 'placeholder-left', 'placeholder-left']);
  });
});

describe('answers written into a question cell that holds its own placeholder', () => {
  const starter = notebookOf([md('# Lab'), code('x = 1'), md('**Question**: Why does the loss go down?\n\n_your answer here_'), code('y = 2')]);

  it('counts text that replaced the placeholder', () => {
    const answered = edited(starter, { 2: '**Question**: Why does the loss go down?\n\nGradient descent lowers it a little each step.' });
    expect(statuses(answered, starter)).toEqual(['answered']);
    expect(statuses(starter, starter)).toEqual(['placeholder-left']);
  });

  it('recognises configured placeholders, strings and regular expressions', () => {
    const custom = edited(starter, { 2: '**Question**: Why does the loss go down?\n\nTODO: answer' });
    expect(statuses(custom, starter, { answerPlaceholders: ['your answer here', /^TODO: answer$/] })).toEqual(['placeholder-left']);
    expect(statuses(custom, starter, { answerPlaceholders: ['YOUR ANSWER HERE', 'todo: answer'] })).toEqual(['placeholder-left']);
    expect(statuses(custom, starter)).toEqual(['trivial']);
  });

  it('counts a long answer that replaced the placeholder', () => {
    const long = edited(starter, {
      2: '**Question**: Why does the loss go down?\n\nEach step of gradient descent moves the weights against the gradient of the loss, so for a small enough learning rate the loss on the training batch decreases from one step to the next, until it levels out near a minimum.',
    });
    expect(statuses(long, starter)).toEqual(['answered']);
  });
});

describe('question micro-headings', () => {
  it('recognises numbered ones (**Question 2**:) and labels the question without its heading', () => {
    const starter = notebookOf([
      md('## Analysis'),
      md('**Question 1**: Your `softmax` subtracts the row maximum. Why does that change nothing?'),
      md('**Question 2**: Why does a naive softmax overflow?'),
      md('**Task 3**: Plot the loss.'),
    ]);
    const analysis = analyzeNarrative(starter, starter);
    expect(analysis.questions.map((q) => q.label)).toEqual(['Your `softmax` subtracts the row maximum.', 'Why does a naive softmax overflow?']);
    expect(analysis.questions.map((q) => q.status)).toEqual(['missing', 'missing']);
  });
});

describe('interleaving', () => {
  it('finds runs of non-blank code cells, ignoring blank and raw cells', () => {
    const nb = notebookOf([
      md('intro'),
      code('a'), code('b'), code(''), { cell_type: 'raw', source: 'raw', metadata: {} }, code('c'),
      md(''), code('d'), code('e'),
      md('middle'),
      code('f'),
    ]);
    expect(codeRuns(nb)).toEqual([
      { firstCellIndex: 1, lastCellIndex: 8, length: 5 },
      { firstCellIndex: 10, lastCellIndex: 10, length: 1 },
    ]);
    expect(analyzeNarrative(nb, undefined, { maxCodeCellsInARow: 4 }).codeRunsTooLong).toHaveLength(1);
    expect(analyzeNarrative(nb, undefined, { maxCodeCellsInARow: 5 }).codeRunsTooLong).toHaveLength(0);
  });
});

describe('the random seed\'s value in the narrative', () => {
  it('finds seeds set in code the usual ways, leaving single digits out', () => {
    const nb = notebookOf([
      code('torch.manual_seed(1234)\nnp.random.seed(42)\nset_seed(7)\nSEED = 2024\nprint("seed=99")'),
      code('split = train_test_split(X, y, test_size=0.2, random_state=31)\nrng = np.random.default_rng(seed=77)'),
    ]);
    expect(findSeeds(nb).map((s) => s.value)).toEqual(['1234', '42', '2024', '31', '77']);
  });

  it('finds the value in the student\'s Markdown, not in other numbers nor in the starter\'s text', () => {
    const starter = notebookOf([md('We fix the random seed to 1234 so results repeat.'), code('torch.manual_seed(1234)')]);
    const clean = edited(starter, {}, [{ after: 1, cell: md('Accuracy was 0.1234 after 12340 steps.') }]);
    expect(analyzeNarrative(clean, starter).seedMentions).toEqual([]);
    const reported = edited(starter, {}, [{ after: 1, cell: md('With seed 1234 the accuracy was 91%.') }]);
    expect(analyzeNarrative(reported, starter).seedMentions).toEqual([{ value: '1234', cellIndex: 2, text: 'With seed 1234 the accuracy was 91%.' }]);
  });

  it('does not take a number inside an expression for the seed (x**10 in prose)', () => {
    const nb = notebookOf([
      code('torch.manual_seed(10)'),
      md('The tail shrinks like x**10, and 2^10 = 1024; `softmax(x * 10)` is sharper and $e^{10}$ is large.'),
      md('Each of the 10*3 logits is finite.'),
    ]);
    expect(analyzeNarrative(nb, undefined).seedMentions).toEqual([]);
  });

  it('still finds the value in a sentence about the seed, in code too, or standing alone', () => {
    const nb = notebookOf([
      code('torch.manual_seed(10)'),
      md('I set the seed to `10` so the runs repeat.'),
      md('Training for 10 epochs reached 91%.'),
    ]);
    expect(analyzeNarrative(nb, undefined).seedMentions.map((m) => m.cellIndex)).toEqual([1, 2]);
  });
});

describe('micro-headings', () => {
  const report = notebookOf([
    md('# Report'),
    code('acc = evaluate(model)'),
    md('**accuracy**: 93% on the validation set.\n\nloss: 0.21 after 3 epochs.'),
  ]);

  it('finds required headings and notices one written without bold', () => {
    const analysis = analyzeNarrative(report, undefined, { requireMicroHeadings: ['accuracy', '**loss**:', 'Why'] });
    expect(analysis.microHeadingsFound).toEqual(['accuracy']);
    expect(analysis.missingMicroHeadings).toEqual([
      { heading: 'loss', unbolded: true },
      { heading: 'Why', unbolded: false },
    ]);
  });

  it('with requireMicroHeadings true, checks that each answer opens with one', () => {
    const starter = notebookOf([md('**Question**: Why?'), md('*your answer here*'), md('**Question**: How?'), md('*your answer here*')]);
    const submission = edited(starter, { 1: '**Answer**: because the loss is convex here.', 3: 'By gradient descent on the loss.' });
    const analysis = analyzeNarrative(submission, starter, { requireMicroHeadings: true, microHeadings: ['Answer'] });
    expect(analysis.responsesChecked).toBe(2);
    expect(analysis.responsesWithoutMicroHeading).toEqual([{ questionNumber: 2, cellIndex: 3, text: 'By gradient descent on the loss.' }]);
  });
});
