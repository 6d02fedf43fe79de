/**
 * What a notebook says about its model's accuracy, read without running anything: claims
 * written in Markdown (`**accuracy**: 93%`, "an accuracy of 0.93"), accuracies printed by
 * training loops (PyTorch-style epoch lines, Keras progress lines) and fastai's training
 * tables (`epoch train_loss valid_loss accuracy|error_rate time`, text/html or text/plain).
 * Values are fractions in [0, 1]; a claim keeps the words it was read from, for feedback.
 */
import { cellSource, shorten } from './cells.js';
import { plainText } from './markdown.js';
import { joinSource, type Notebook, type Output } from './schema.js';

export type ClaimSource = 'markdown' | 'training-output' | 'training-table';
/** Which data the figure is about, as far as the text says. */
export type ClaimSplit = 'train' | 'valid' | 'unstated';

export interface AccuracyClaim {
  /** A fraction in [0, 1]. */
  value: number;
  source: ClaimSource;
  cellIndex: number;
  /** The words the figure was read from, shortened, for feedback. */
  quote: string;
  /** The line and, for Markdown answers, the question cell before it: what the claim is about. */
  context: string;
  split: ClaimSplit;
}

export interface TrainingTable {
  cellIndex: number;
  format: 'text/html' | 'text/plain';
  columns: string[];
  rows: string[][];
}

const NUMBER = String.raw`(\d+(?:\.\d+)?|\.\d+)`;
const HEDGE = String.raw`(?:(?:about|around|approximately|approx\.?|roughly|nearly|almost|just\s+(?:over|under)|over|under|~|≈)\s*)?`;
/** "accuracy: 93%", "accuracy of 0.93", "accuracy is about 93.4 percent", "accuracy = .93". */
const ACCURACY_THEN_VALUE = new RegExp(
  String.raw`accura(?:cy|te)\b[^.\d\n]{0,40}?(?:[:=]|\bis\b|\bwas\b|\bof\b|\bat\b|\breached\b|\bgot\b|\bgives?\b|\bachieved\b|\bto\b)\s*${HEDGE}${NUMBER}\s*(%|percent\b)?`,
  'gi',
);
/** "93% accuracy", "98.9 % accurate", "0.93 accuracy". */
const VALUE_THEN_ACCURACY = new RegExp(String.raw`${NUMBER}\s*(%|percent\b)?\s+(?:\w+\s+){0,2}?accura(?:cy|te)\b`, 'gi');
/** "classified correctly, or about 98.9%": a percentage in a sentence about correct answers. */
const CORRECT_PERCENT = new RegExp(String.raw`correct(?:ly)?\b[^.\n]{0,60}?${HEDGE}${NUMBER}\s*(%|percent\b)`, 'gi');

/** A number as written, read as a fraction: `93%` and `93` (above 1) are percentages. */
function asFraction(text: string, percent: boolean): number | undefined {
  const x = Number.parseFloat(text);
  if (!Number.isFinite(x)) return undefined;
  const value = percent || x > 1 ? x / 100 : x;
  return value >= 0 && value <= 1 ? Math.round(value * 1e9) / 1e9 : undefined;
}

function splitOf(text: string): ClaimSplit {
  if (/\b(?:val(?:id(?:ation)?)?|test|held[- ]out|hidden)(?:[_ ]|\b)/i.test(text)) return 'valid';
  if (/\btrain(?:ing)?(?:[_ ]|\b)/i.test(text)) return 'train';
  return 'unstated';
}

/** Accuracy claims in the Markdown cells, in notebook order. */
export function markdownAccuracyClaims(notebook: Notebook): AccuracyClaim[] {
  const claims: AccuracyClaim[] = [];
  notebook.cells.forEach((cell, cellIndex) => {
    if (cell.cell_type !== 'markdown') return;
    const previous = notebook.cells[cellIndex - 1];
    const question = previous?.cell_type === 'markdown' ? plainText(cellSource(previous)) : '';
    for (const line of plainText(cellSource(cell)).split('\n')) {
      const found: { at: number; value: number; quote: string }[] = [];
      for (const pattern of [ACCURACY_THEN_VALUE, VALUE_THEN_ACCURACY, CORRECT_PERCENT]) {
        for (const m of line.matchAll(pattern)) {
          const value = asFraction(m[1]!, m[2] !== undefined);
          if (value === undefined) continue;
          if (found.some((f) => Math.abs(f.at - m.index) < 12)) continue;
          found.push({ at: m.index, value, quote: m[0].trim() });
        }
      }
      found.sort((a, b) => a.at - b.at);
      for (const f of found) {
        claims.push({
          value: f.value,
          source: 'markdown',
          cellIndex,
          quote: shorten(line.trim(), 160),
          context: `${question}\n${line}`,
          split: splitOf(line),
        });
      }
    }
  });
  return claims;
}

/** `accuracy: 0.9312`, `val_accuracy: 0.92`, `acc=93.1%`, `train accuracy 4476/4992`. */
const PRINTED_ACCURACY = new RegExp(
  String.raw`((?:val(?:id(?:ation)?)?|test|train(?:ing)?)[_ ])?acc(?:uracy)?\b\s*[:=]?\s*(?:(\d+)\s*/\s*(\d+)|${NUMBER}\s*(%)?)`,
  'gi',
);

function outputTexts(output: Output): { mime: 'text/plain' | 'text/html'; text: string }[] {
  if (output.output_type === 'stream') return [{ mime: 'text/plain', text: joinSource(output.text) }];
  if (output.output_type === 'error') return [];
  const texts: { mime: 'text/plain' | 'text/html'; text: string }[] = [];
  for (const mime of ['text/html', 'text/plain'] as const) {
    const value = output.data[mime];
    if (typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string'))) {
      texts.push({ mime, text: joinSource(value as string | string[]) });
    }
  }
  return texts;
}

/** Accuracies printed by training loops in stored outputs (not tables), in notebook order. */
export function printedAccuracyClaims(notebook: Notebook): AccuracyClaim[] {
  const claims: AccuracyClaim[] = [];
  notebook.cells.forEach((cell, cellIndex) => {
    if (cell.cell_type !== 'code') return;
    for (const output of cell.outputs) {
      for (const { mime, text } of outputTexts(output)) {
        if (mime !== 'text/plain' || /^\s*epoch\s+train_loss/im.test(text)) continue;
        for (const line of text.split(/\r?\n|\r/)) {
          for (const m of line.matchAll(PRINTED_ACCURACY)) {
            const value = m[2] !== undefined
              ? Number(m[3]) > 0 ? Number(m[2]) / Number(m[3]) : undefined
              : asFraction(m[4]!, m[5] !== undefined);
            if (value === undefined || value > 1) continue;
            claims.push({
              value,
              source: 'training-output',
              cellIndex,
              quote: shorten(line.trim(), 160),
              context: line,
              // Keras prints the training figure unprefixed beside `val_accuracy`.
              split: m[1] ? splitOf(m[1]) : /\bval_acc/i.test(line) ? 'train' : 'unstated',
            });
          }
        }
      }
    }
  });
  return claims;
}

function decodeEntities(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&nbsp;/g, ' ').replace(/&amp;/g, '&').trim();
}

function htmlTables(html: string): { columns: string[]; rows: string[][] }[] {
  const tables: { columns: string[]; rows: string[][] }[] = [];
  for (const table of html.matchAll(/<table\b[\s\S]*?<\/table>/gi)) {
    const columns = [...table[0].matchAll(/<th\b[^>]*>([\s\S]*?)<\/th>/gi)].map((m) => decodeEntities(m[1]!.replace(/<[^>]+>/g, '')));
    const rows = [...table[0].matchAll(/<tr\b[^>]*>([\s\S]*?)<\/tr>/gi)]
      .map((tr) => [...tr[1]!.matchAll(/<td\b[^>]*>([\s\S]*?)<\/td>/gi)].map((m) => decodeEntities(m[1]!.replace(/<[^>]+>/g, ''))))
      .filter((cells) => cells.length > 0);
    tables.push({ columns, rows });
  }
  return tables;
}

function plainTables(text: string): { columns: string[]; rows: string[][] }[] {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((l) => /^\s*epoch\s+\S/i.test(l));
  if (start < 0) return [];
  const columns = lines[start]!.trim().split(/\s+/);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    const cells = line.trim().split(/\s+/);
    if (!/^\d+$/.test(cells[0] ?? '')) break;
    rows.push(cells);
  }
  return [{ columns, rows }];
}

const isTrainingTable = (columns: string[]) => columns[0]?.toLowerCase() === 'epoch' && columns.some((c) => /loss/i.test(c));

/** fastai's training tables in stored outputs; an output with both forms counts once (HTML first). */
export function trainingTables(notebook: Notebook): TrainingTable[] {
  const tables: TrainingTable[] = [];
  notebook.cells.forEach((cell, cellIndex) => {
    if (cell.cell_type !== 'code') return;
    for (const output of cell.outputs) {
      const texts = outputTexts(output);
      const html = texts.find((t) => t.mime === 'text/html');
      const fromHtml = html ? htmlTables(html.text).filter((t) => isTrainingTable(t.columns)) : [];
      if (fromHtml.length > 0) {
        for (const t of fromHtml) tables.push({ cellIndex, format: 'text/html', ...t });
        continue;
      }
      for (const { mime, text } of texts) {
        if (mime !== 'text/plain') continue;
        for (const t of plainTables(text).filter((x) => isTrainingTable(x.columns))) tables.push({ cellIndex, format: 'text/plain', ...t });
      }
    }
  });
  return tables;
}

export interface ReportedAccuracy {
  value: number;
  cellIndex: number;
  /** e.g. "error_rate 0.011502 in the last row (epoch 0)". */
  quote: string;
}

/** The accuracy a training table reports in its last complete row, from `accuracy` or `1 - error_rate`. */
export function tableAccuracy(table: TrainingTable): ReportedAccuracy | undefined {
  const lower = table.columns.map((c) => c.toLowerCase());
  const accuracyAt = lower.findIndex((c) => c === 'accuracy' || c === 'acc');
  const errorAt = lower.findIndex((c) => c === 'error_rate');
  const column = accuracyAt >= 0 ? accuracyAt : errorAt;
  if (column < 0) return undefined;
  for (const row of [...table.rows].reverse()) {
    const x = Number.parseFloat(row[column] ?? '');
    if (!Number.isFinite(x) || x < 0 || x > 1) continue;
    return {
      value: accuracyAt >= 0 ? x : 1 - x,
      cellIndex: table.cellIndex,
      quote: `${table.columns[column]} ${row[column]} in the table's last row (epoch ${row[0]})`,
    };
  }
  return undefined;
}

/** Every accuracy the notebook's training tables report, in notebook order. */
export function reportedAccuracies(notebook: Notebook): ReportedAccuracy[] {
  return trainingTables(notebook).map(tableAccuracy).filter((r): r is ReportedAccuracy => r !== undefined);
}
