import { parseDurationSecond } from '../core/go-parse';
import { badRequest } from '../core/vault-error';

/**
 * @deprecated Field readers from before routes declared their fields (`defineRoute` in
 * core/routes.ts decodes them once, with Vault's exact conversions). Only the database engine
 * still reads its fields through these, until it moves to declared fields.
 */
export function str(data: Record<string, unknown>, key: string, fallback = ''): string {
  const value = data[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw badRequest(`error converting input ${JSON.stringify(value)} for field "${key}": expected a string`);
}

export function list(data: Record<string, unknown>, key: string): string[] | undefined {
  const value = data[key];
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value))
    return value
      .map(String)
      .map((s) => s.trim())
      .filter((s) => s !== '');
  if (typeof value === 'string')
    return value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  throw badRequest(`error converting input ${JSON.stringify(value)} for field "${key}": expected a list`);
}

export function bool(data: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const value = data[key];
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1' || value === 1) return true;
  if (value === 'false' || value === '0' || value === 0) return false;
  throw badRequest(`error converting input ${JSON.stringify(value)} for field "${key}": expected a boolean`);
}

export function int(data: Record<string, unknown>, key: string, fallback: number): number {
  const value = data[key];
  if (value === undefined || value === null || value === '') return fallback;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n)) {
    throw badRequest(
      `error converting input ${JSON.stringify(value)} for field "${key}": expected an integer`,
    );
  }
  return n;
}

export function duration(data: Record<string, unknown>, key: string, fallback = 0): number {
  const value = data[key];
  if (value === undefined || value === null || value === '') return fallback;
  try {
    return parseDurationSecond(value);
  } catch (error) {
    throw badRequest(
      `error converting input ${String(value)} for field "${key}": ${(error as Error).message}`,
    );
  }
}
