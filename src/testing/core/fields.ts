import { decodeFieldValue, type FieldType, type FieldValueOf, zeroValue } from './field-decode';
import { goQuote, goValue } from './go-format';

export type { FieldType, FieldValueOf } from './field-decode';

/**
 * One request field of a route, as Vault's framework.FieldSchema declares it: the route says
 * once what it takes, the framework decodes the request before the handler runs, and fields
 * it does not declare come back as warnings.
 */
export interface FieldSchema<T extends FieldType = FieldType> {
  readonly type: T;
  /** What the field means, as the route's documentation would say it. */
  readonly description: string;
  /** Used when the request leaves the field out (not when it sends `null`: Vault uses the zero value then). */
  readonly default?: FieldValueOf[T] | undefined;
}

/** A route's fields by name. */
export type FieldSchemas = { readonly [name: string]: FieldSchema };

/** Each declared field's decoded value: the request's, else the default, else the type's zero value. */
export type FieldValues<S extends FieldSchemas> = {
  readonly [K in keyof S]: S[K] extends FieldSchema<infer T> ? FieldValueOf[T] : never;
};

export interface DecodedFields<S extends FieldSchemas> {
  readonly values: FieldValues<S>;
  /** Fields the request carried (framework.FieldData.GetOk); a `null` duration counts as absent. */
  readonly given: ReadonlySet<keyof S & string>;
}

/** A field the framework could not convert; the text is Vault's (FieldData.Validate). */
export class FieldConversionError extends Error {
  override readonly name = 'FieldConversionError';
}

/**
 * FieldData.Validate followed by Get/GetOk for every field: decodes each declared field present
 * in `raw`, throwing Vault's `error converting input <v> for field "<name>": <reason>` for the
 * first one that does not convert.
 */
export function decodeFields<S extends FieldSchemas>(
  schema: S,
  raw: Record<string, unknown>,
): DecodedFields<S> {
  const values: Record<string, unknown> = {};
  const given = new Set<string>();
  for (const [name, field] of Object.entries(schema)) {
    const value = Object.hasOwn(raw, name) ? raw[name] : undefined;
    if (value === undefined) {
      values[name] = field.default === undefined ? zeroValue(field.type) : structuredClone(field.default);
      continue;
    }
    if (value === null) {
      // getPrimitive: a nil duration is "not set"; any other nil decodes to the zero value.
      if (field.type === 'duration' || field.type === 'signedDuration') {
        values[name] = field.default ?? 0;
        continue;
      }
      values[name] = field.type === 'map' ? null : zeroValue(field.type);
      given.add(name);
      continue;
    }
    try {
      values[name] = decodeFieldValue(field.type, value);
    } catch (error) {
      throw new FieldConversionError(
        `error converting input ${goValue(value)} for field ${goQuote(name)}: ${(error as Error).message}`,
      );
    }
    given.add(name);
  }
  return { values: values as FieldValues<S>, given: given as ReadonlySet<keyof S & string> };
}

/** Shorthand for declaring a field: `field('duration', 'TTL of the token')`. */
export function field<T extends FieldType>(
  type: T,
  description: string,
  defaultValue?: FieldValueOf[T],
): FieldSchema<T> {
  return defaultValue === undefined ? { type, description } : { type, description, default: defaultValue };
}
