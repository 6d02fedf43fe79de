/**
 * CSV for instructors' spreadsheets (RFC 4180, written by csv-stringify), the one writer
 * of every CSV the product makes (the API's submissions export, the CLI's grades.csv).
 *
 * Formula injection (OWASP "CSV Injection"): a cell a spreadsheet could run as a formula
 * gets a `'` in front, which spreadsheets show as text. Every cell is quoted, so a reader
 * that splits on `;` or tabs (locales where `,` is the decimal mark) still sees one cell
 * where a student wrote `x;=HYPERLINK(...)`; such a cell is prefixed too, for readers
 * that ignore the quotes.
 */
import { stringify } from 'csv-stringify/sync';

export type CsvColumn<T> = [header: string, value: (row: T) => unknown];

export function toCsv<T>(rows: readonly T[], columns: ReadonlyArray<CsvColumn<T>>): string {
  const records = [columns.map(([header]) => csvCell(header)), ...rows.map((row) => columns.map(([, value]) => csvCell(value(row))))];
  return stringify(records, { quoted: true, quoted_empty: true, record_delimiter: 'windows' });
}

/** Starts (after any whitespace) with what makes a spreadsheet cell a formula or a DDE command. */
const FORMULA_START = /^[\s\u00a0]*[=+\-@\t\r]/;
/** A field separator of another locale followed by a formula: `x;=HYPERLINK(...)`. */
const FORMULA_AFTER_SEPARATOR = /[;,\t|][\s\u00a0]*[=+\-@]/;

/** One cell's text: dates as ISO 8601, text that could run as a formula defused. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value !== 'string') return String(value);
  return FORMULA_START.test(value) || FORMULA_AFTER_SEPARATOR.test(value) ? `'${value}` : value;
}
