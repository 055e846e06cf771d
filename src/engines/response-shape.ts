import type * as z from 'zod';
import { ResponseShapeError } from '../errors';

/**
 * Checks Vault's `data` against the shape Vault documents for an endpoint and returns it typed.
 * A mismatch (a proxy, a Vault version that changed a field) is a ResponseShapeError naming the
 * fields, never their values.
 */
export function expectShape<S extends z.ZodType>(schema: S, data: unknown, path: string): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  throw shapeError(
    path,
    result.error.issues.map((issue) => `${issue.path.join('.') || '(data)'}: ${issue.message}`),
  );
}

export function shapeError(path: string, issues: string[]): ResponseShapeError {
  return new ResponseShapeError(
    `Vault's answer for ${path} does not have the documented shape: ${issues.join('; ')}`,
    {
      path,
      status: 200,
      issues,
    },
  );
}
