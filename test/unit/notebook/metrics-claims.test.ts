import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { markdownAccuracyClaims, printedAccuracyClaims, reportedAccuracies, trainingTables } from '../../../src/notebook/metrics-claims.js';
import { parseNotebook } from '../../../src/notebook/parse.js';
import { findPackageRoot } from '../../../src/package-root.js';
import { code, md, notebookOf } from '../../helpers/notebooks.js';

const stream = (text: string) => ({ output_type: 'stream' as const, name: 'stdout', text });
const display = (data: Record<string, string>) => ({ output_type: 'display_data' as const, data, metadata: {} });

describe('accuracy claims in Markdown', () => {
  it.each([
    ['**accuracy**: 93%', 0.93],
    ['The MLP reaches an accuracy of 0.93 on the validation split.', 0.93],
    ['Our accuracy was about 87.5 percent.', 0.875],
    ['We got 91% accuracy with the MLP.', 0.91],
    ['7390 - (7390 * error%) = 7315 images were classified correctly, or about 98.9%.', 0.989],
    ['accuracy = .8', 0.8],
  ])('reads %j', (text, value) => {
    const claims = markdownAccuracyClaims(notebookOf([md(text)]));
    expect(claims).toHaveLength(1);
    expect(claims[0]!.value).toBeCloseTo(value, 6);
    expect(claims[0]!.source).toBe('markdown');
  });

  it('finds nothing in prose without a figure', () => {
    expect(markdownAccuracyClaims(notebookOf([md('Accuracy went up when we trained longer.')]))).toEqual([]);
  });

  it('keeps the question before an answer as context, so a claim can be tied to a model', () => {
    const claims = markdownAccuracyClaims(notebookOf([md('**Question**: what is the MLP\'s accuracy?'), md('**accuracy**: 95%')]));
    expect(claims[0]!.context).toMatch(/MLP/);
  });
});

describe('accuracies printed by training loops', () => {
  it('reads PyTorch-style epoch lines, fractions included (the course MNIST notebook)', () => {
    const nb = notebookOf([code('train()', { count: 1, outputs: [stream('Epoch  0: loss=0.72, train accuracy 4078/4992\nEpoch  9: loss=0.45, valid accuracy 0.912\n')] })]);
    const claims = printedAccuracyClaims(nb);
    expect(claims.map((c) => [c.split, Number(c.value.toFixed(4))])).toEqual([['train', 0.8169], ['valid', 0.912]]);
  });

  it('reads Keras progress lines, the unprefixed figure being the training one', () => {
    const nb = notebookOf([code('fit()', { count: 1, outputs: [stream('125/125 [====] - 1s 3ms/step - accuracy: 0.9312 - loss: 0.21 - val_accuracy: 0.9120 - val_loss: 0.25\n')] })]);
    expect(printedAccuracyClaims(nb).map((c) => [c.split, c.value])).toEqual([['train', 0.9312], ['valid', 0.912]]);
  });

  it('reads percentages', () => {
    const nb = notebookOf([code('x', { count: 1, outputs: [stream('epoch 3 | val_acc: 88.5%\n')] })]);
    expect(printedAccuracyClaims(nb)[0]!.value).toBeCloseTo(0.885, 6);
  });
});

describe('fastai training tables', () => {
  const plain = 'epoch     train_loss  valid_loss  accuracy  time    \n0         0.512       0.301       0.912     00:10   \n1         0.300       0.250       0.931     00:10   \n';
  it('parses a text/plain table and reports the last row', () => {
    const nb = notebookOf([code('learn.fine_tune(2)', { count: 1, outputs: [display({ 'text/plain': plain })] })]);
    expect(trainingTables(nb)[0]!.rows).toHaveLength(2);
    expect(reportedAccuracies(nb)[0]!.value).toBeCloseTo(0.931, 6);
  });

  it('parses the text/html tables of the real student submission (error_rate read as 1 - accuracy)', () => {
    const path = join(findPackageRoot(), 'graders', 'u02-classifier-report', 'examples', 'Example_Lab1.ipynb');
    const nb = parseNotebook(readFileSync(path), 'Example_Lab1.ipynb');
    const tables = trainingTables(nb);
    expect(tables.every((t) => t.format === 'text/html')).toBe(true);
    expect(tables.map((t) => t.columns.join(' '))).toContain('epoch train_loss valid_loss error_rate time');
    const reported = reportedAccuracies(nb);
    expect(reported[1]!.value).toBeCloseTo(1 - 0.011502, 6);
    // The student's "about 98.9%" in Markdown is read as a claim of 0.989.
    expect(markdownAccuracyClaims(nb).map((c) => c.value)).toContain(0.989);
  });
});
