/**
 * Wrong-notebook detection: a notebook that shares nothing with the assignment's starter and
 * defines none of the functions its checks call (or their aliases) is another assignment's
 * notebook. It gets one line saying so, and no points, instead of the narrative and
 * execution points any tidy notebook would collect.
 */
import { NotGradableError } from '../errors.js';
import { cellSource } from '../notebook/cells.js';
import { markdownWords, similarity, words } from '../notebook/markdown.js';
import { cellNames } from '../notebook/python-names.js';
import type { Cell, Notebook } from '../notebook/schema.js';
import type { AssignmentDefinition } from './assignment.js';

/** A starter cell counts when it has at least this many words (a `## Setup` heading is shared by chance). */
export const SUBSTANTIVE_CELL_WORDS = 5;
/** Two cells are the same text when their words are at least this similar (Dice). */
export const SAME_CELL_SIMILARITY = 0.6;
/** Below this share of the starter's substantive cells found in it, a notebook shares nothing with the starter. */
export const MIN_SHARED_STARTER_CELLS = 0.1;

function cellWords(cell: Cell): string[] {
  const source = cellSource(cell);
  return cell.cell_type === 'markdown' ? markdownWords(source) : words(source);
}

/** The share of the starter's substantive cells whose text is in the notebook (same cell type, similar words). */
export function sharedWithStarter(notebook: Notebook, starter: Notebook): number {
  const substantive = starter.cells.filter((c) => c.cell_type !== 'raw').map((c) => ({ type: c.cell_type, words: cellWords(c) })).filter((c) => c.words.length >= SUBSTANTIVE_CELL_WORDS);
  if (substantive.length === 0) return 1;
  const theirs = notebook.cells.map((c) => ({ type: c.cell_type, words: cellWords(c) }));
  const found = substantive.filter((s) => theirs.some((t) => t.type === s.type && similarity(s.words, t.words) >= SAME_CELL_SIMILARITY));
  return found.length / substantive.length;
}

/** The functions the assignment's checks call, with their aliases. */
export function assignmentFunctions(assignment: AssignmentDefinition): Set<string> {
  const names = new Set<string>();
  for (const check of assignment.checks) {
    for (const call of check.calls()) {
      names.add(call.fn);
      for (const alias of call.aliases ?? []) names.add(alias);
    }
  }
  return names;
}

/** The error to report when the notebook is not this assignment's; undefined when it may be. */
export function wrongNotebook(notebook: Notebook, starter: Notebook | undefined, assignment: AssignmentDefinition): NotGradableError | undefined {
  if (starter === undefined) return undefined;
  if (sharedWithStarter(notebook, starter) >= MIN_SHARED_STARTER_CELLS) return undefined;
  const wanted = assignmentFunctions(assignment);
  const defined = new Set(notebook.cells.filter((c) => c.cell_type === 'code').flatMap((c) => [...cellNames(cellSource(c)).names]));
  const mine = [...wanted].filter((name) => defined.has(name));
  if (mine.length > 0) return undefined;
  const functions = wanted.size === 0 ? '' : ` and defines none of its functions (${[...wanted].map((n) => `\`${n}\``).join(', ')})`;
  return new NotGradableError(
    'WRONG_NOTEBOOK',
    `This does not look like ${assignment.title}'s notebook: it shares no cells with the notebook handed out${functions}. Submit the notebook of this assignment.`,
  );
}
