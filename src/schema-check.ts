import { InvalidRequestError, SecretSchemaError } from './errors';
import type { StandardSchemaV1 } from './types/standard-schema';

/**
 * Schemas are Standard Schema v1 (`~standard`): zod 3.24+, zod 4, valibot, arktype, ... The
 * client only calls `~standard.validate`, so the schema library is the app's own dependency.
 */

/**
 * Refuses, before any I/O, a `schema` option that is not a Standard Schema (a plain object, an old
 * zod 3 schema without `~standard`, a class instead of an instance).
 */
export function assertSchema(schema: unknown): asserts schema is StandardSchemaV1 | undefined {
  if (schema === undefined) return;
  const props = (schema as { '~standard'?: { version?: unknown; validate?: unknown } } | null)?.['~standard'];
  if (props === undefined || props === null || typeof props.validate !== 'function') {
    throw new InvalidRequestError(
      "option 'schema' is not a Standard Schema (an object with a '~standard' property): pass a zod 3.24+ or 4, valibot or arktype schema, or leave 'schema' out",
    );
  }
  if (props.version !== 1) {
    throw new InvalidRequestError(
      `option 'schema' implements Standard Schema version ${String(props.version)}; this client understands version 1`,
    );
  }
}

/**
 * Checks a secret's data synchronously, as managed secrets need (a cache hit and a watcher's
 * delivery happen without awaiting). A schema that validates asynchronously is refused with a
 * typed error rather than silently skipped. Returns the schema's output (transforms applied).
 */
export function checkSchema(path: string, data: unknown, schema: StandardSchemaV1 | undefined): unknown {
  if (!schema) return data;
  assertSchema(schema);
  const result = schema['~standard'].validate(data);
  if (isPromiseLike(result)) {
    // Nobody will await it: keep a rejection from becoming an unhandled one.
    void Promise.resolve(result).catch(() => undefined);
    throw new InvalidRequestError(
      `the schema for ${path} validates asynchronously (async refinements or transforms); managed secrets (secret, watch, rotate) check their data synchronously at every fetch: use a schema without async checks, or validate inside your code`,
    );
  }
  return outcome(path, data, result);
}

/** The same check where the caller can wait: `read`, `write` and `request` accept async schemas. */
export async function checkSchemaAsync(
  path: string,
  data: unknown,
  schema: StandardSchemaV1 | undefined,
): Promise<unknown> {
  if (!schema) return data;
  assertSchema(schema);
  return outcome(path, data, await schema['~standard'].validate(data));
}

function outcome(path: string, data: unknown, result: StandardSchemaV1.Result<unknown>): unknown {
  if (!result.issues) return result.value;
  const secrets = leafValues(data);
  const issues = result.issues.map((issue) => ({
    field: fieldOf(issue.path),
    problem: mask(issue.message, secrets) || 'invalid',
  }));
  throw new SecretSchemaError(
    `the data at ${path} does not match the schema: ${issues.map((i) => `${i.field} (${i.problem})`).join(', ')}`,
    { path, issues },
  );
}

/** `db.hosts.0` from a Standard Schema path of keys or `{ key }` segments. */
function fieldOf(path: StandardSchemaV1.Issue['path']): string {
  if (!path || path.length === 0) return '(root)';
  return path
    .map((segment) => {
      const key = typeof segment === 'object' && segment !== null ? segment.key : segment;
      return typeof key === 'symbol' ? key.toString() : String(key);
    })
    .join('.');
}

/**
 * Some libraries quote the value they received ("expected 'a' | 'b', received 'hunter2'"); the
 * data is a secret, so every string or number it holds is masked out of the message wherever it
 * stands as a whole word or quoted.
 */
function mask(message: string, values: readonly string[]): string {
  let out = typeof message === 'string' ? message : '';
  for (const value of values) {
    if (!out.includes(value)) continue;
    const escaped = value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out.replace(new RegExp(`(?<![\\p{L}\\p{N}_])${escaped}(?![\\p{L}\\p{N}_])`, 'gu'), '***');
  }
  return out;
}

/** The strings and numbers inside a value, longest first so a value containing another is masked whole. */
function leafValues(data: unknown): string[] {
  const found = new Set<string>();
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number) => {
    if (found.size >= 10_000 || depth > 64) return;
    if (typeof value === 'string') {
      if (value.length >= 2) found.add(value);
    } else if (typeof value === 'number' || typeof value === 'bigint') {
      found.add(String(value));
    } else if (typeof value === 'object' && value !== null && !seen.has(value)) {
      seen.add(value);
      for (const item of Array.isArray(value) ? value : Object.values(value)) visit(item, depth + 1);
    }
  };
  visit(data, 0);
  return [...found].sort((a, b) => b.length - a.length);
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
