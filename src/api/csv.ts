/**
 * CSV for instructors' spreadsheets (RFC 4180). Cells that a spreadsheet would run as a
 * formula (a student's name starting with "=") are prefixed with a quote.
 */
export function toCsv<T>(rows: readonly T[], columns: ReadonlyArray<[header: string, value: (row: T) => unknown]>): string {
  const lines = [columns.map(([header]) => cell(header)).join(',')];
  for (const row of rows) lines.push(columns.map(([, value]) => cell(value(row))).join(','));
  return lines.join('\r\n') + '\r\n';
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = value instanceof Date ? value.toISOString() : String(value);
  if (/^[=+\-@\t\r]/.test(text) && typeof value === 'string') text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
