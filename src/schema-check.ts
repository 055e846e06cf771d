import { InvalidRequestError, SecretSchemaError } from './errors';
import { safeString, whatWasThrown } from './internal/thrown';
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
  let props: { version?: unknown; validate?: unknown } | null | undefined;
  let version: unknown;
  let validate: unknown;
  try {
    props = (schema as { '~standard'?: typeof props } | null)?.['~standard'];
    version = props?.version;
    validate = props?.validate;
  } catch {
    // A getter or Proxy that throws is no schema the client can call.
    props = undefined;
  }
  if (props === undefined || props === null || typeof validate !== 'function') {
    throw new InvalidRequestError(
      "option 'schema' is not a Standard Schema (an object with a '~standard' property): pass a zod 3.24+ or 4, valibot or arktype schema, or leave 'schema' out",
    );
  }
  if (version !== 1) {
    throw new InvalidRequestError(
      `option 'schema' implements Standard Schema version ${typeof version === 'number' ? version : whatWasThrown(version)}; this client understands version 1`,
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
  const result = validateWith(path, schema, data);
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
  const pending = validateWith(path, schema, data);
  let result: StandardSchemaV1.Result<unknown>;
  try {
    result = await pending;
  } catch (thrown) {
    throw schemaThrew(path, thrown);
  }
  const value = outcome(path, data, result);
  // An async call's result is resolved like a promise: an output with a `then` (or one whose
  // `then` throws when read) would be called, or would fail the call with its own error.
  if (!isPromiseLike(value, true)) return value;
  throw new InvalidRequestError(
    `the schema for ${path} returned a value with a 'then' (a promise or a thenable): an async call cannot hand it back as data; return plain data`,
  );
}

/** Calls the schema; whatever it throws (an Error or not) becomes a typed error that never repeats it. */
function validateWith(
  path: string,
  schema: StandardSchemaV1,
  data: unknown,
): StandardSchemaV1.Result<unknown> | Promise<StandardSchemaV1.Result<unknown>> {
  try {
    return schema['~standard'].validate(data);
  } catch (thrown) {
    throw schemaThrew(path, thrown);
  }
}

/**
 * A schema that throws (a transform meeting a value it did not expect, a refinement with a bug)
 * rather than returning issues. Its message is not repeated, since it may quote the value; the
 * thrown value is the cause, for the app's own debugging.
 */
function schemaThrew(path: string, thrown: unknown): SecretSchemaError {
  const what = whatWasThrown(thrown);
  return new SecretSchemaError(
    `the schema for ${path} threw ${what} instead of returning issues; the thrown value is this error's cause`,
    { path, issues: [{ field: '(root)', problem: `the schema threw ${what}` }] },
    thrown,
  );
}

function outcome(path: string, data: unknown, result: unknown): unknown {
  const { issues, value } = resultParts(path, result);
  if (!issues) return value;
  const secrets = leafValues(data);
  const described = issues.map((issue) => ({
    field: fieldOf(issueField(issue, 'path') as StandardSchemaV1.Issue['path']),
    problem: mask(issueField(issue, 'message') as string, secrets) || 'invalid',
  }));
  throw new SecretSchemaError(
    `the data at ${path} does not match the schema: ${described.map((i) => `${i.field} (${i.problem})`).join(', ')}`,
    { path, issues: described },
  );
}

/** A Standard Schema result (`{ value }` or `{ issues }`), read defensively: anything else is a broken schema. */
function resultParts(
  path: string,
  result: unknown,
): { issues: readonly unknown[] | undefined; value: unknown } {
  let issues: unknown;
  let value: unknown;
  try {
    issues = (result as { issues?: unknown }).issues;
    value = (result as { value?: unknown }).value;
  } catch {
    issues = null;
  }
  if (result !== null && typeof result === 'object' && (issues === undefined || Array.isArray(issues)))
    return { issues: issues as readonly unknown[] | undefined, value };
  throw new InvalidRequestError(
    `the schema for ${path} returned something that is not a Standard Schema result ({ value } or { issues: [...] }); check that 'schema' is a zod 3.24+ or 4, valibot or arktype schema`,
  );
}

/** One field of an issue, or undefined if reading it throws. */
function issueField(issue: unknown, field: 'path' | 'message'): unknown {
  try {
    return (issue as Record<string, unknown> | null)?.[field];
  } catch {
    return undefined;
  }
}

/** `db.hosts.0` from a Standard Schema path of keys or `{ key }` segments. */
function fieldOf(path: StandardSchemaV1.Issue['path']): string {
  if (!Array.isArray(path) || path.length === 0) return '(root)';
  return path
    .map((segment: unknown) => {
      return safeString(issueKey(segment));
    })
    .join('.');
}

function issueKey(segment: unknown): unknown {
  try {
    return typeof segment === 'object' && segment !== null ? (segment as { key?: unknown }).key : segment;
  } catch {
    return '?';
  }
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

/** Whether `value` has a callable `then`; `unreadable` is the answer when reading `then` throws. */
function isPromiseLike(value: unknown, unreadable = false): value is PromiseLike<unknown> {
  try {
    return typeof (value as { then?: unknown } | null)?.then === 'function';
  } catch {
    return unreadable;
  }
}
