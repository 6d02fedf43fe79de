import { describe, expect, it } from 'vitest';
import { sharedWithStarter, wrongNotebook } from '../../../src/grading/wrong-notebook.js';
import { code, courseNotebook, md, notebookOf } from '../../helpers/notebooks.js';
import { courseSoftmaxAssignment } from '../../helpers/course-assignment.js';

const assignment = courseSoftmaxAssignment();
const starter = () => courseNotebook('u05n1-softmax.ipynb');

describe('wrong-notebook detection', () => {
  it("refuses the course's MNIST notebook graded as the softmax assignment, in one line", () => {
    const mnist = courseNotebook('u05n3-mnist-clf_soln.ipynb');
    expect(sharedWithStarter(mnist, starter())).toBe(0);
    const error = wrongNotebook(mnist, starter(), assignment);
    expect(error).toMatchObject({ code: 'WRONG_NOTEBOOK', kind: 'student' });
    expect(error?.message).toBe(
      "This does not look like Softmax, part 1's notebook: it shares no cells with the notebook handed out and defines none of its functions (`softmax`). Submit the notebook of this assignment.",
    );
    expect(error?.message.split('\n')).toHaveLength(1);
  });

  it("accepts the assignment's own notebooks: starter, solution, answered solution", () => {
    for (const name of ['u05n1-softmax.ipynb', 'u05n1-softmax_soln.ipynb', 'u05n1-softmax_soln-answered.ipynb']) {
      expect(wrongNotebook(courseNotebook(name), starter(), assignment), name).toBeUndefined();
    }
  });

  it('accepts a notebook written from scratch that defines the function', () => {
    const fromScratch = notebookOf([md('# My softmax'), code('def softmax(xx):\n    e = (xx - xx.max()).exp()\n    return e / e.sum()')]);
    expect(sharedWithStarter(fromScratch, starter())).toBe(0);
    expect(wrongNotebook(fromScratch, starter(), assignment)).toBeUndefined();
  });

  it('does not count a heading shared by chance (## Setup) as shared', () => {
    const other = notebookOf([md('## Setup'), code('import torch'), md('## Analysis')]);
    expect(sharedWithStarter(other, starter())).toBe(0);
    expect(wrongNotebook(other, starter(), assignment)?.code).toBe('WRONG_NOTEBOOK');
  });

  it('cannot judge without a starter', () => {
    expect(wrongNotebook(courseNotebook('u05n3-mnist-clf_soln.ipynb'), undefined, assignment)).toBeUndefined();
  });
});
