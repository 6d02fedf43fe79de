/**
 * `autograder report --assignment A --format table|csv|json`: the class's submissions
 * with their current scores, as the service lists them (instructor token).
 */
import type { SubmissionRowView } from '../api/schemas.js';
import type { Config } from '../config.js';
import { UsageError } from '../errors.js';
import { ExitCode } from './exit-codes.js';
import { clientFor, type ServiceOptions } from './submit-command.js';
import { writeOut } from './terminal-output.js';

export interface ReportOptions extends ServiceOptions {
  assignment: string;
  format?: string;
}

const COLUMNS: Array<[string, (r: SubmissionRowView) => string]> = [
  ['student', (r) => r.studentName],
  ['student id', (r) => r.studentId ?? ''],
  ['status', (r) => r.status],
  ['score', (r) => (r.score === null ? '—' : `${round(r.score)}/${round(r.maxScore ?? 0)}`)],
  ['late', (r) => (r.daysLate === 0 ? '' : `${r.daysLate}d`)],
  ['attempts', (r) => String(r.attempts)],
  ['submitted', (r) => r.createdAt.slice(0, 16).replace('T', ' ')],
  ['submission', (r) => r.id],
];

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** A plain text table, columns padded to their widest cell. */
export function formatTable(rows: readonly SubmissionRowView[]): string {
  const cells = [COLUMNS.map(([h]) => h), ...rows.map((r) => COLUMNS.map(([, f]) => f(r)))];
  const widths = COLUMNS.map((_, i) => Math.max(...cells.map((c) => c[i]!.length)));
  return `${cells.map((c) => c.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n')}\n`;
}

export async function reportCommand(options: ReportOptions, config: Config): Promise<number> {
  const format = options.format ?? 'table';
  if (!['table', 'csv', 'json'].includes(format)) throw new UsageError('BAD_OPTION', `--format is table, csv or json, not ${JSON.stringify(format)}`);
  const client = clientFor(options, config);
  if (format === 'csv') {
    writeOut(await client.assignmentSubmissionsCsv(options.assignment));
    return ExitCode.ok;
  }
  const rows = await client.assignmentSubmissions(options.assignment);
  writeOut(format === 'json' ? `${JSON.stringify({ assignmentId: options.assignment, submissions: rows }, null, 2)}\n` : formatTable(rows));
  return ExitCode.ok;
}
