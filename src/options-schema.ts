import { z } from 'zod';
import type { Clock } from './types/clock';
import type { Logger } from './types/logger';

/**
 * The zod schema of the constructor's options, and error messages that name the option and
 * what to write instead (with a guess for misspelt keys).
 */
const ms = (what: string) =>
  z
    .number({ error: `expected ${what} in milliseconds` })
    .int()
    .positive();
const fn = <T>(what: string) => z.custom<T>((v) => typeof v === 'function', { error: `expected ${what}` });
const text = z.string().trim().min(1, { error: 'expected a non-empty string' });

const kubernetesAuth = z.strictObject({
  method: z.literal('kubernetes').optional(),
  role: text,
  mount: text.optional(),
  tokenPath: text.optional(),
  jwt: z.union([text, fn<() => string>('a function returning the JWT')]).optional(),
});
const tokenAuth = z.strictObject({ method: z.literal('token'), token: text });

export const optionsSchema = z.strictObject({
  address: z
    .string()
    .trim()
    .refine((v) => /^https?:\/\/[^/\s]+/.test(v), {
      error: "expected an http(s) URL such as 'https://vault.example:8200'",
    })
    .optional(),
  namespace: z.string().trim().optional(),
  auth: z
    .custom<unknown>((v) => typeof v === 'object' && v !== null, {
      error: "expected { role: 'my-role' } or { method: 'token', token }",
    })
    .pipe(z.union([tokenAuth, kubernetesAuth]))
    .optional(),
  tls: z
    .strictObject({
      caCert: text.optional(),
      caCertFile: text.optional(),
      caPath: text.optional(),
      clientCert: text.optional(),
      clientKey: text.optional(),
      clientCertFile: text.optional(),
      clientKeyFile: text.optional(),
      serverName: text.optional(),
      skipVerify: z.boolean().optional(),
    })
    .optional(),
  timeouts: z
    .strictObject({ requestMs: ms('a timeout').optional(), totalMs: ms('a deadline').optional() })
    .optional(),
  retry: z
    .strictObject({
      maxRetries: z.number().int().min(0).max(20).optional(),
      minDelayMs: ms('a delay').optional(),
      maxDelayMs: ms('a delay').optional(),
      maxRetryAfterMs: z.number().int().min(0).optional(),
    })
    .optional(),
  token: z
    .strictObject({
      renewAt: z.number().gt(0.05).lt(0.95).optional(),
      jitter: z.number().min(0).max(0.5).optional(),
      loginBackoff: z
        .strictObject({ minMs: ms('a delay').optional(), maxMs: ms('a delay').optional() })
        .optional(),
    })
    .optional(),
  secrets: z
    .strictObject({
      maxEntries: z.number().int().positive().optional(),
      renewAt: z.number().gt(0.05).lt(0.95).optional(),
      jitter: z.number().min(0).max(0.5).optional(),
      rotateBefore: z.number().gt(0).lt(0.9).optional(),
      graceMs: z.number().int().min(0).optional(),
      drainMs: z.number().int().min(0).optional(),
      pollIntervalMs: ms('an interval').optional(),
      certificateRenewAt: z.number().gt(0.05).lt(0.95).optional(),
      backoff: z
        .strictObject({ minMs: ms('a delay').optional(), maxMs: ms('a delay').optional() })
        .optional(),
    })
    .optional(),
  logger: z
    .custom<Logger>(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        ['debug', 'info', 'warn', 'error'].every(
          (m) => typeof (v as Record<string, unknown>)[m] === 'function',
        ),
      { error: 'expected a logger with debug, info, warn and error methods (pino fits)' },
    )
    .optional(),
  logLevel: z.enum(['debug', 'info', 'warn', 'error', 'silent']).optional(),
  clock: z
    .custom<Clock>(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        ['now', 'setTimeout', 'clearTimeout'].every(
          (m) => typeof (v as Record<string, unknown>)[m] === 'function',
        ),
      { error: 'expected a clock with now, setTimeout and clearTimeout' },
    )
    .optional(),
  fetch: fn<typeof fetch>('a fetch function').optional(),
  telemetry: z.boolean().optional(),
});

const KNOWN_KEYS: Record<string, string[]> = {
  '': Object.keys(optionsSchema.shape),
  auth: ['method', 'role', 'mount', 'tokenPath', 'jwt', 'token'],
  tls: [
    'caCert',
    'caCertFile',
    'caPath',
    'clientCert',
    'clientKey',
    'clientCertFile',
    'clientKeyFile',
    'serverName',
    'skipVerify',
  ],
  timeouts: ['requestMs', 'totalMs'],
  retry: ['maxRetries', 'minDelayMs', 'maxDelayMs', 'maxRetryAfterMs'],
  token: ['renewAt', 'jitter', 'loginBackoff'],
  secrets: [
    'maxEntries',
    'renewAt',
    'jitter',
    'rotateBefore',
    'graceMs',
    'drainMs',
    'pollIntervalMs',
    'certificateRenewAt',
    'backoff',
  ],
};

export type ParsedOptions = z.infer<typeof optionsSchema>;

export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const lines = issues.map((issue) => {
    const where = issue.path.join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys
        .map((key) => {
          const known = KNOWN_KEYS[where] ?? [];
          const guess = closest(key, known);
          const name = where ? `${where}.${key}` : key;
          return `unknown option '${name}'${guess ? ` (did you mean '${where ? `${where}.` : ''}${guess}'?)` : ''}; known options here: ${known.join(', ')}`;
        })
        .join('\n');
    }
    return `option '${where || '(root)'}': ${issue.message}`;
  });
  return `invalid VaultKubernetesClient options:\n  ${lines.join('\n  ')}`;
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const score = distance(word.toLowerCase(), candidate.toLowerCase());
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return bestScore <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
