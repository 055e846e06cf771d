import { randomBytes, randomUUID } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Random base62, the alphabet of Vault's lease suffixes and accessors. */
export function base62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 248 = 4 * 62: rejecting the rest keeps every character equally likely.
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

export const uuid = (): string => randomUUID();

/** Service tokens look like Vault's current `hvs.` tokens; clients must treat them as opaque. */
export const serviceToken = (): string => `hvs.${base62(24)}`;
export const batchToken = (): string => `hvb.${base62(24)}`;
