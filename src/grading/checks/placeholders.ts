/**
 * `placeholders`: code placeholders left in the notebook (`...` as a value, `# your code
 * here` with nothing after it, `raise NotImplementedError()`, `FIXME`, `XXX`), reported
 * cell by cell. Static: reads the notebook, runs nothing.
 */
import { cellSource, describeCell } from '../../notebook/cells.js';
import {
  DEFAULT_PLACEHOLDER_PATTERNS,
  findPlaceholders,
  type PlaceholderFinding,
  type PlaceholderSpec,
} from '../../notebook/placeholders.js';
import type { Cell } from '../../notebook/schema.js';
import type { Check, CheckVerdict, CommonCheckOptions, GradingContext } from '../assignment.js';
import { clampPoints } from '../score.js';

export interface PlaceholdersCheckOptions extends CommonCheckOptions {
  /** What counts as a placeholder. @defaultValue {@link DEFAULT_PLACEHOLDER_PATTERNS} (all built-in kinds) */
  patterns?: PlaceholderSpec[];
  /**
   * Points lost per placeholder left.
   * @defaultValue `points / n` where n is the number of placeholders in the starter (so an
   * unchanged starter scores 0); `points / 4` when there is no starter or it has none.
   */
  pointsPerPlaceholder?: number;
}

/** Findings listed in feedback before the rest are counted only. */
const LISTED = 20;

const HINTS: Record<string, string> = {
  ellipsis: 'replace the `...` with your code',
  'your-code-here': 'write your code below this marker',
  'not-implemented': 'replace the `raise NotImplementedError` with your code',
  fixme: 'finish what the FIXME asks for, then remove it',
  xxx: 'finish what the XXX marks, then remove it',
};

/**
 * Points lost in proportion to the placeholders left: `min(points, left × pointsPerPlaceholder)`.
 */
export function placeholders(options: PlaceholdersCheckOptions): Check {
  const patterns = options.patterns ?? [...DEFAULT_PLACEHOLDER_PATTERNS];
  return {
    id: 'placeholders',
    title: options.title ?? 'No code placeholders left',
    maxPoints: options.points,
    visibility: options.visibility ?? 'visible',
    objectives: options.objectives ?? [],
    calls: () => [],
    grade(ctx: GradingContext): CheckVerdict {
      const left = findPlaceholders(ctx.notebook, patterns);
      if (left.length === 0) return { points: options.points, feedback: 'No code placeholders are left in your notebook.' };
      const inStarter = ctx.starter === undefined ? 0 : findPlaceholders(ctx.starter, patterns).length;
      const perPlaceholder = options.pointsPerPlaceholder ?? options.points / (inStarter > 0 ? inStarter : 4);
      const points = clampPoints(options.points - left.length * perPlaceholder, options.points);
      return { points, feedback: describe(ctx, left), cells: left.map((f) => f.cellIndex) };
    },
  };
}

function describe(ctx: GradingContext, left: PlaceholderFinding[]): string {
  const count = left.length === 1 ? '1 placeholder is' : `${left.length} placeholders are`;
  const lines = [`${count} still in your code:`];
  for (const finding of left.slice(0, LISTED)) {
    const hint = HINTS[finding.kind] ?? `replace it (${finding.kind})`;
    // The cell's first line helps find it, unless it is the placeholder line itself.
    const cell = cellSource(ctx.notebook.cells[finding.cellIndex] as Cell);
    const firstCodeLine = cell.split('\n').findIndex((l) => l.trim() !== '') + 1;
    const where = finding.line === firstCodeLine ? `cell ${finding.cellIndex + 1}` : describeCell(ctx.notebook, finding.cellIndex);
    lines.push(`- ${where}, line ${finding.line}: \`${finding.text}\`: ${hint}`);
  }
  if (left.length > LISTED) lines.push(`- … and ${left.length - LISTED} more`);
  return lines.join('\n');
}
