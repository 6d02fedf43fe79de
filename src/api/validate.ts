/**
 * The one way a route reads its input (STYLE.md practice 3): params, query and body are
 * parsed by zod schemas; anything that does not parse is a 400 naming each bad field.
 */
import type { Request } from 'express';
import { z } from 'zod';
import { HttpError } from './http-error.js';

export interface RequestSchemas<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  params?: P;
  query?: Q;
  body?: B;
}

export interface ParsedRequest<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
}

/** Parses what the schemas name; throws HttpError(400, 'BAD_REQUEST') listing every problem. */
export function parseRequest<
  P extends z.ZodType = z.ZodUndefined,
  Q extends z.ZodType = z.ZodUndefined,
  B extends z.ZodType = z.ZodUndefined,
>(req: Request, schemas: RequestSchemas<P, Q, B>): ParsedRequest<P, Q, B> {
  const problems: string[] = [];
  const part = <S extends z.ZodType>(where: 'params' | 'query' | 'body', schema: S | undefined, value: unknown): z.output<S> => {
    if (schema === undefined) return undefined as z.output<S>;
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) {
      const path = [where, ...issue.path.map(String)].join('.');
      problems.push(`${path}: ${issue.message}`);
    }
    return undefined as z.output<S>;
  };
  const result = {
    params: part('params', schemas.params, req.params),
    query: part('query', schemas.query, req.query),
    body: part('body', schemas.body, req.body),
  };
  if (problems.length > 0) throw new HttpError(400, 'BAD_REQUEST', problems.join('; '));
  return result;
}
