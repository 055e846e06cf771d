import type { z } from 'zod';
import { SecretSchemaError } from './errors';
import { describeIssue } from './http/vault-response';

/**
 * Checks a secret's data against the caller's schema. A mismatch names the failing fields and
 * what is wrong with them, never the values, which are secrets.
 */
export function checkSchema(path: string, data: unknown, schema: z.ZodType | undefined): unknown {
  if (!schema) return data;
  const checked = schema.safeParse(data);
  if (checked.success) return checked.data;
  const issues = checked.error.issues.map((issue) => {
    const text = describeIssue(issue);
    const at = text.indexOf(': ');
    return { field: text.slice(0, at), problem: text.slice(at + 2) };
  });
  throw new SecretSchemaError(
    `the data at ${path} does not match the schema: ${issues.map((i) => `${i.field} (${i.problem})`).join(', ')}`,
    { path, issues },
  );
}
