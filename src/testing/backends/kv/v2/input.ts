import { decodeFieldValue } from '../../../core/field-decode';
import { goQuote, goTypeName, goValue, isGoPrintable } from '../../../core/go-format';
import { badRequest, multierror } from '../../../core/vault-error';
import type { KeyMetadata, KvConfig } from './state';

/**
 * The plugin's check-and-set rule (validateCheckAndSetOption in path_data.go): a given `cas` must
 * equal the current version (0 for a key never written); without one, a write is refused when the
 * mount config or the key requires cas.
 */
export function checkCas(
  options: Record<string, unknown> | null | undefined,
  config: KvConfig,
  meta: KeyMetadata,
): void {
  if (options && 'cas' in options) {
    let cas: number;
    try {
      cas = decodeFieldValue('int', options.cas);
    } catch {
      throw badRequest('error parsing check-and-set parameter');
    }
    if (cas !== meta.currentVersion)
      throw badRequest('check-and-set parameter did not match the current version');
  } else if (config.casRequired || meta.casRequired) {
    throw badRequest('check-and-set parameter required for this call');
  }
}

const CUSTOM_PREFIX = 'custom_metadata validation failed';

/**
 * custom_metadata values are weakly decoded to strings (nulls dropped on patch, where they remove
 * a key), then checked as path_metadata.go does; all problems come back in one multierror text.
 */
export function customMetadata(raw: Record<string, unknown>, dropNulls: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (dropNulls && value === null) continue;
    if (value === null) out[key] = '';
    else if (typeof value === 'string') out[key] = value;
    else if (typeof value === 'number') out[key] = String(value);
    else if (typeof value === 'boolean') out[key] = value ? '1' : '0';
    else {
      throw badRequest(
        `${CUSTOM_PREFIX}: '' expected type 'string', got unconvertible type '${goTypeName(value)}', value: '${goValue(value)}'`,
      );
    }
  }
  const keys = Object.keys(out);
  if (keys.length > 64) {
    throw badRequest(
      multierror([`${CUSTOM_PREFIX}: payload must contain at most 64 keys, provided ${keys.length}`]),
    );
  }
  const errors: string[] = [];
  for (const [key, value] of Object.entries(out)) {
    const keyLength = Buffer.byteLength(key);
    const valueLength = Buffer.byteLength(value);
    if (keyLength === 0 || keyLength > 128) {
      errors.push(
        `${CUSTOM_PREFIX}: length of key ${goQuote(key)} is ${keyLength} but must be 0 < len(key) <= 128`,
      );
    }
    if (valueLength === 0 || valueLength > 512) {
      errors.push(
        `${CUSTOM_PREFIX}: length of value for key ${goQuote(key)} is ${valueLength} but must be 0 < len(value) <= 512`,
      );
    }
    if (!printable(key))
      errors.push(`${CUSTOM_PREFIX}: key ${goQuote(key)} (${key}) contains unprintable characters`);
    if (!printable(value))
      errors.push(`${CUSTOM_PREFIX}: value for key ${goQuote(key)} contains unprintable characters`);
  }
  if (errors.length > 0) throw badRequest(multierror(errors));
  return out;
}

/** Go's unicode.IsPrint for every rune: letters, marks, numbers, punctuation, symbols and ASCII space. */
function printable(text: string): boolean {
  return [...text].every(isGoPrintable);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
