import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * How the mock keeps a user's password: salted and hashed, compared in constant time, never
 * stored or shown as given. Vault uses bcrypt; the mock only needs bcrypt's one visible rule.
 */
export interface PasswordHash {
  salt: Buffer;
  digest: Buffer;
}

/** golang.org/x/crypto/bcrypt refuses longer input (ErrPasswordTooLong) rather than truncating it. */
export const BCRYPT_MAX_BYTES = 72;

export function hashPassword(password: string): PasswordHash {
  if (Buffer.byteLength(password) > BCRYPT_MAX_BYTES) {
    throw new Error('bcrypt: password length exceeds 72 bytes');
  }
  const salt = randomBytes(16);
  return { salt, digest: digest(salt, password) };
}

/** bcrypt reads only the first 72 bytes of what it is asked to compare. */
export function passwordMatches(hash: PasswordHash, password: string): boolean {
  return timingSafeEqual(
    hash.digest,
    digest(hash.salt, Buffer.from(password, 'utf8').subarray(0, BCRYPT_MAX_BYTES)),
  );
}

function digest(salt: Buffer, password: string | Buffer): Buffer {
  return createHash('sha256').update(salt).update(password).digest();
}
