/**
 * Random seeds set in code, and the narrative lines that give a seed's value away.
 */
import { cellSource, shorten } from '../cells.js';
import { readPythonLines } from '../python-lines.js';
import type { Notebook } from '../schema.js';
import { SEED_MIN_DIGITS } from './options.js';
import type { OwnLine, SeedMention, SeedSetting } from './types.js';
import { splitSentences } from './wording.js';

const SEED_CALL = /\b(?:manual_seed(?:_all)?|set_seed|set_random_seed|seed_everything|default_rng|RandomState|seed)\s*\(\s*(?:seed\s*=\s*)?(\d+)\s*[,)]/g;
const SEED_ASSIGNMENT = /\b\w*(?:seed|random_state)\w*\s*=(?!=)\s*(\d+)\b/gi;
/** A sentence that talks about the seed. */
const SEED_TALK = /\b(?:seed(?:s|ed|ing)?|random[_ ]state|manual_seed|set_seed)\b/i;
/** Inline code and inline math: expressions, not numbers standing alone in prose. */
const INLINE_CODE_OR_MATH = /`[^`]*`|\$[^$\n]+\$/g;

/**
 * Seeds set in code (`torch.manual_seed(1234)`, `np.random.seed(42)`, `set_seed(42)`,
 * `random_state=42`, `seed=42`, `SEED = 42`). Seeds of fewer than {@link SEED_MIN_DIGITS}
 * digits are left out: a single digit in prose is nearly always something else.
 */
export function findSeeds(notebook: Notebook): SeedSetting[] {
  const seeds: SeedSetting[] = [];
  notebook.cells.forEach((cell, cellIndex) => {
    if (cell.cell_type !== 'code') return;
    for (const line of readPythonLines(cellSource(cell))) {
      for (const pattern of [SEED_CALL, SEED_ASSIGNMENT]) {
        for (const match of line.code.matchAll(pattern)) {
          const value = String(Number(match[1]));
          if (value.length < SEED_MIN_DIGITS || seeds.some((s) => s.value === value)) continue;
          seeds.push({ value, cellIndex, text: line.text.trim() });
        }
      }
    }
  });
  return seeds;
}

/**
 * Lines of the student's Markdown that give a seed's value away: a sentence that talks
 * about the seed and contains the value (in code too: "I set the seed to `42`"), or the
 * value as a number standing alone in prose. A number inside an expression (`x**10`,
 * `2^10`, `10*x`, inline code or math) is something else and is not counted.
 */
export function findSeedMentions(seeds: SeedSetting[], lines: OwnLine[]): SeedMention[] {
  const mentions: SeedMention[] = [];
  for (const seed of seeds) {
    for (const line of lines) {
      if (!mentionsValue(line.text, seed.value)) continue;
      if (mentions.some((m) => m.value === seed.value && m.cellIndex === line.cellIndex)) continue;
      mentions.push({ value: seed.value, cellIndex: line.cellIndex, text: shorten(line.text.trim(), 80) });
    }
  }
  return mentions;
}

function mentionsValue(line: string, value: string): boolean {
  const inSentence = new RegExp(`(?<![\\w.,])0*${value}(?![\\w]|[.,]\\d)`);
  const standalone = new RegExp(`(?<![\\w.,*^/+=<>(\\-])0*${value}(?![\\w]|[.,]\\d|\\s*(?:\\*|\\^|/|\\+|=|\\)))`);
  return splitSentences(line).some((sentence) =>
    SEED_TALK.test(sentence) ? inSentence.test(sentence.replace(/`/g, '')) : standalone.test(sentence.replace(INLINE_CODE_OR_MATH, ' ')),
  );
}
