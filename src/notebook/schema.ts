/**
 * nbformat 4 as a zod schema. Only what the grader reads is strict; everything else
 * passes through so a notebook round-trips unchanged into the sandbox.
 */
import { z } from 'zod';

/** nbformat stores multi-line strings either as one string or as a list of lines. */
export const MultilineSchema = z.union([z.string(), z.array(z.string())]);

export function joinSource(source: z.infer<typeof MultilineSchema>): string {
  return Array.isArray(source) ? source.join('') : source;
}

export const OutputSchema = z.discriminatedUnion('output_type', [
  z.looseObject({ output_type: z.literal('stream'), name: z.string(), text: MultilineSchema }),
  z.looseObject({ output_type: z.literal('display_data'), data: z.record(z.string(), z.unknown()), metadata: z.record(z.string(), z.unknown()).optional() }),
  z.looseObject({ output_type: z.literal('execute_result'), data: z.record(z.string(), z.unknown()), execution_count: z.number().int().nullable().optional() }),
  z.looseObject({ output_type: z.literal('error'), ename: z.string(), evalue: z.string(), traceback: z.array(z.string()).optional() }),
]);
export type Output = z.infer<typeof OutputSchema>;

export const CodeCellSchema = z.looseObject({
  cell_type: z.literal('code'),
  id: z.string().optional(),
  source: MultilineSchema,
  metadata: z.record(z.string(), z.unknown()).default({}),
  execution_count: z.number().int().nullable().optional(),
  outputs: z.array(OutputSchema).default([]),
});
export const MarkdownCellSchema = z.looseObject({
  cell_type: z.literal('markdown'),
  id: z.string().optional(),
  source: MultilineSchema,
  metadata: z.record(z.string(), z.unknown()).default({}),
});
export const RawCellSchema = z.looseObject({
  cell_type: z.literal('raw'),
  id: z.string().optional(),
  source: MultilineSchema,
  metadata: z.record(z.string(), z.unknown()).default({}),
});
export const CellSchema = z.discriminatedUnion('cell_type', [CodeCellSchema, MarkdownCellSchema, RawCellSchema]);
export type Cell = z.infer<typeof CellSchema>;
export type CodeCell = z.infer<typeof CodeCellSchema>;
export type MarkdownCell = z.infer<typeof MarkdownCellSchema>;

export const NotebookSchema = z.looseObject({
  nbformat: z.literal(4),
  nbformat_minor: z.number().int().nonnegative(),
  metadata: z.record(z.string(), z.unknown()).default({}),
  cells: z.array(CellSchema),
});
export type Notebook = z.infer<typeof NotebookSchema>;
