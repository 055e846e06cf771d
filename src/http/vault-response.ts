import * as z from 'zod';
import { ResponseShapeError } from '../errors';

/**
 * Vault states TTLs as Go durations (int64 nanoseconds), so none exceeds about 292 years; a larger
 * number is not Vault's, and as milliseconds it would pass what a Date holds.
 */
const ttlSeconds = z.number().int().nonnegative().max(9_223_372_036);

const auth = z.object({
  client_token: z.string().min(1),
  accessor: z.string(),
  policies: z.array(z.string()).nullish(),
  token_policies: z.array(z.string()).nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  lease_duration: ttlSeconds,
  renewable: z.boolean(),
  entity_id: z.string().optional(),
  token_type: z.string().optional(),
  orphan: z.boolean().optional(),
});

/** Vault's success envelope, as the client reads it: loose on extra keys, strict on the ones it uses. */
const envelope = z.object({
  request_id: z.string().optional(),
  lease_id: z.string().nullish(),
  renewable: z.boolean().nullish(),
  lease_duration: ttlSeconds.nullish(),
  data: z.unknown().optional(),
  warnings: z.array(z.string()).nullish(),
  auth: auth.nullish(),
  mount_type: z.string().optional(),
});

export type Envelope = z.infer<typeof envelope>;
export type AuthBlock = z.infer<typeof auth>;

/** Checks a 2xx body against Vault's envelope; a wrong shape is a typed error naming where, never what. */
export function parseEnvelope(body: unknown, context: { path: string; status: number }): Envelope {
  if (body === undefined) return {};
  const result = envelope.safeParse(body);
  if (result.success) return result.data;
  throw shapeError(result.error.issues, context, 'Vault');
}

export function requireAuth(parsed: Envelope, context: { path: string; status: number }): AuthBlock {
  if (parsed.auth) return parsed.auth;
  throw new ResponseShapeError(
    `Vault answered ${context.status} to ${context.path} without an auth block; is a proxy answering instead of Vault?`,
    {
      ...context,
      issues: ['auth: missing'],
    },
  );
}

export function shapeError(
  issues: readonly z.core.$ZodIssue[],
  context: { path: string; status: number },
  who: string,
): ResponseShapeError {
  const described = issues.slice(0, 5).map(describeIssue);
  return new ResponseShapeError(
    `${who}'s answer to ${context.path} does not have the expected shape (${described.join('; ')}); a proxy or an unsupported Vault version may be answering`,
    { ...context, issues: described },
  );
}

/** Where and what kind of problem, from zod's issue, without the received value. */
export function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length ? issue.path.join('.') : '(root)';
  switch (issue.code) {
    case 'invalid_type':
      return `${where}: expected ${issue.expected}`;
    case 'too_small':
    case 'too_big':
      return `${where}: out of range`;
    case 'invalid_value':
      return `${where}: not one of the allowed values`;
    case 'unrecognized_keys':
      return `${where}: unexpected keys ${issue.keys.join(', ')}`;
    default:
      return `${where}: ${issue.code.replace(/_/g, ' ')}`;
  }
}
