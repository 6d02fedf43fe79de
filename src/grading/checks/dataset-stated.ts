/**
 * `dataset.stated`: the notebook's Markdown says how big the data is (how many images, how
 * many in the training and validation sets). Static: it reads the narrative, not outputs,
 * because a report must state its figures where a reader looks for them.
 */
import { describeCell, cellSource, shorten } from '../../notebook/cells.js';
import { plainText } from '../../notebook/markdown.js';
import type { FunctionCall } from '../../sandbox/protocol.js';
import type { Check, CheckVerdict, CommonCheckOptions, GradingContext } from '../assignment.js';

export interface DatasetStatedOptions extends CommonCheckOptions {
  /** Words that make a sentence about the data. @defaultValue images, training set, validation set, dataset, examples */
  words?: string[];
  /** Smallest count that reads as a dataset size rather than, say, an epoch. @defaultValue 100 */
  minCount?: number;
}

const DEFAULT_WORDS = ['images', 'training set', 'validation set', 'dataset', 'data set', 'examples', 'samples'];

export function datasetStated(options: DatasetStatedOptions): Check {
  const words = (options.words ?? DEFAULT_WORDS).map((w) => w.toLowerCase());
  const minCount = options.minCount ?? 100;
  return {
    id: 'dataset.stated',
    title: options.title ?? 'The size of the data is stated in Markdown',
    maxPoints: options.points,
    visibility: options.visibility ?? 'visible',
    objectives: options.objectives ?? [],
    calls(): FunctionCall[] {
      return [];
    },
    grade(ctx: GradingContext): CheckVerdict {
      for (const [index, cell] of ctx.notebook.cells.entries()) {
        if (cell.cell_type !== 'markdown') continue;
        for (const sentence of plainText(cellSource(cell)).split(/(?<=[.!?])\s+|\n/)) {
          const lower = sentence.toLowerCase();
          if (!words.some((w) => lower.includes(w))) continue;
          const count = [...sentence.matchAll(/\b\d{1,3}(?:,\d{3})+\b|\b\d+\b/g)].map((m) => Number(m[0].replace(/,/g, ''))).find((n) => n >= minCount);
          if (count !== undefined) {
            return { points: options.points, feedback: `${describeCell(ctx.notebook, index)} states the data's size: "${shorten(sentence.trim(), 140)}".` };
          }
        }
      }
      return {
        points: 0,
        feedback: 'No Markdown cell says how many images (or examples) the data has, or how many are in the training and validation sets. ' +
          'State the counts in a sentence, e.g. "5912 images for training and 1478 for validation"; a comment in a code cell does not count.',
      };
    },
  };
}
