import { SecretSchemaError } from '../errors';

/**
 * Any Standard Schema v1 (zod 3.24+, zod 4, valibot, arktype...): the file source only calls
 * `~standard.validate`, so it needs no schema library of its own.
 */
export interface FileSchema {
  readonly '~standard': {
    readonly validate: (value: unknown) => unknown;
    readonly types?: { readonly output: unknown } | undefined;
  };
}

export type SchemaOutput<S> = S extends { readonly '~standard': { readonly types?: infer T } }
  ? NonNullable<T> extends { readonly output: infer O }
    ? O
    : never
  : never;

interface Issue {
  message: string;
  path?: ReadonlyArray<PropertyKey | { key: PropertyKey }>;
}

/** The data checked by the caller's schema; a mismatch names fields and problems, never values. */
export async function checkFileSchema(
  name: string,
  data: unknown,
  schema: FileSchema | undefined,
): Promise<unknown> {
  if (!schema) return data;
  const result = (await schema['~standard'].validate(data)) as { value?: unknown; issues?: readonly Issue[] };
  if (!result.issues) return result.value;
  const issues = result.issues.map((issue) => ({
    field:
      (issue.path ?? [])
        .map((segment) => String(typeof segment === 'object' && segment !== null ? segment.key : segment))
        .join('.') || '(root)',
    problem: issue.message,
  }));
  throw new SecretSchemaError(
    `the secret file ${name} does not match the schema: ${issues.map((i) => `${i.field} (${i.problem})`).join(', ')}`,
    { path: name, issues },
  );
}
