import { createHash, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';

/**
 * Whether a password matches a PostgreSQL SCRAM-SHA-256 verifier from pg_authid. The machine's
 * PostgreSQL trusts loopback connections, so a login proves nothing about a password: the
 * verifier the server stored does.
 */
export function scramMatches(verifier: string | null, password: string): boolean {
  const match = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier ?? '');
  if (!match) return false;
  const [, iterations, salt, storedKey] = match;
  const salted = pbkdf2Sync(password, Buffer.from(salt!, 'base64'), Number(iterations), 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const computed = createHash('sha256').update(clientKey).digest();
  const expected = Buffer.from(storedKey!, 'base64');
  return expected.length === computed.length && timingSafeEqual(expected, computed);
}
