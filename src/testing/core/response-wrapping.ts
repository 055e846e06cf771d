import type { TokenEntry, TokenStore } from '../store/tokens';
import { jsonHeaders } from './envelope';
import { parseDurationSecond } from './go-parse';
import { serviceToken, uuid } from './ids';
import type { MockResponse } from './types';
import { badRequest, VaultError } from './vault-error';

/**
 * Response wrapping (vault/wrapping.go, http/handler.go): a client that sends `X-Vault-Wrap-TTL`
 * gets, instead of the answer, a single-use wrapping token whose cubbyhole holds the answer;
 * `sys/wrapping/unwrap` hands it over once. The `jwt` wrap format is not implemented.
 */
export const WRAPPING_POLICY = 'response-wrapping';
export const INVALID_WRAPPING_TOKEN = 'wrapping token is not valid or does not exist';

/** requestWrapInfo: the header's TTL in seconds, 0 (or absent) meaning no wrapping. */
export function wrapTtlOf(headers: Readonly<Record<string, string | undefined>>): number {
  const raw = headers['x-vault-wrap-ttl'];
  if (raw === undefined || raw === '') return 0;
  let ttl: number;
  try {
    ttl = parseDurationSecond(raw);
  } catch {
    throw badRequest(`time: invalid duration ${JSON.stringify(raw)}`);
  }
  if (ttl < 0) throw badRequest('requested wrap ttl cannot be negative');
  return ttl;
}

interface Wrapped {
  body: string;
  creationPath: string;
  creationTime: number;
  ttl: number;
}

export class ResponseWrapping {
  readonly #cubbyholes = new Map<string, Wrapped>();

  constructor(private readonly tokens: TokenStore) {}

  /**
   * Wraps a successful JSON answer: only answers with a body are wrapped (a 204 has nothing to
   * hand over), and the answer keeps its own lease and token, created as usual.
   */
  wrap(response: MockResponse, ttl: number, path: string, now: number): MockResponse {
    if (ttl <= 0 || response.status !== 200 || response.body === undefined) return response;
    const original = response.body as Record<string, unknown>;
    const token = this.tokens.create({
      id: serviceToken(),
      policies: [WRAPPING_POLICY],
      meta: null,
      path,
      mountPath: 'auth/token/',
      displayName: '',
      issuedAt: now,
      creationTtl: ttl,
      explicitMaxTtl: ttl,
      maxTtl: 0,
      period: 0,
      expiresAt: now + ttl * 1000,
      renewable: false,
      type: 'service',
      parent: '',
      numUses: 1,
      role: '',
    });
    this.#cubbyholes.set(token.id, {
      body: JSON.stringify(original),
      creationPath: path,
      creationTime: now,
      ttl,
    });
    const auth = original.auth as { accessor?: string } | null | undefined;
    const data = original.data as { secret_id_accessor?: unknown } | null | undefined;
    // The accessor of what is inside: a token's, or an AppRole secret ID's.
    const wrappedAccessor =
      auth?.accessor ?? (typeof data?.secret_id_accessor === 'string' ? data.secret_id_accessor : '');
    return {
      status: 200,
      headers: jsonHeaders(),
      body: {
        request_id: uuid(),
        lease_id: '',
        renewable: false,
        lease_duration: 0,
        data: null,
        wrap_info: {
          token: token.id,
          accessor: token.accessor,
          ttl,
          creation_time: new Date(now).toISOString(),
          creation_path: path,
          ...(wrappedAccessor ? { wrapped_accessor: wrappedAccessor } : {}),
        },
        warnings: null,
        auth: null,
        mount_type: '',
      },
    };
  }

  /**
   * A live wrapping token, or ErrInvalidWrappingToken (400, verbatim). An unwrap spends the
   * token's single use as the request comes in, so the token is looked up even then.
   */
  #wrapping(id: string): { token: TokenEntry; wrapped: Wrapped } {
    const token = this.tokens.getTainted(id);
    const wrapped = this.#cubbyholes.get(id);
    if (!token || !wrapped || !token.policies.includes(WRAPPING_POLICY)) {
      throw new VaultError(400, INVALID_WRAPPING_TOKEN);
    }
    return { token, wrapped };
  }

  /**
   * handleCancelableRequest's check for `sys/wrapping/{lookup,unwrap}`, made before the client
   * token is: the wrapping token is the body's `token`, or else the client token itself.
   */
  validate(body: Record<string, unknown>, headers: Readonly<Record<string, string | undefined>>): void {
    let id = headers['x-vault-token'] ?? '';
    if (body.token !== undefined && body.token !== null) {
      if (typeof body.token !== 'string') {
        throw new VaultError(403, 'error validating wrapping token: could not decode token in request body');
      }
      if (body.token === '')
        throw new VaultError(403, 'error validating wrapping token: empty token in request body');
      id = body.token;
    }
    if (!this.isWrappingToken(id)) throw new VaultError(400, INVALID_WRAPPING_TOKEN);
  }

  isWrappingToken(id: string): boolean {
    return this.tokens.get(id)?.policies.includes(WRAPPING_POLICY) === true && this.#cubbyholes.has(id);
  }

  /** sys/wrapping/unwrap: the stored answer, as it would have been sent; the token is spent. */
  unwrap(id: string): MockResponse {
    const { token, wrapped } = this.#wrapping(id);
    this.tokens.delete(token.id);
    this.#cubbyholes.delete(id);
    return { status: 200, headers: jsonHeaders(), rawBody: wrapped.body };
  }

  /** sys/wrapping/lookup: what the token wraps, without spending it. */
  lookup(id: string): Record<string, unknown> {
    const { wrapped } = this.#wrapping(id);
    return {
      creation_path: wrapped.creationPath,
      creation_time: new Date(wrapped.creationTime).toISOString(),
      creation_ttl: wrapped.ttl,
    };
  }
}
