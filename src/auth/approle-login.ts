import { type LoginCredential, LoginCredentialError, VaultResponseError } from '../errors';
import type { Transport } from '../http/transport';
import { type AuthBlock, parseEnvelope } from '../http/vault-response';
import type { Redactor } from '../internal/redact';
import { trackIo } from '../internal/tracking-clock';
import type { CredentialSource } from '../types/auth';
import type { Clock } from '../types/clock';
import type { CallOptions } from '../types/requests';
import {
  CredentialFileError,
  callSource,
  describeFileProblem,
  readCredentialFile,
  SourceTimeoutError,
  settleWithin,
} from './credential-file';
import { loginError, reasonOf } from './login-refusal';
import { postLogin } from './login-request';

export interface AppRoleAuth {
  method: 'approle';
  roleId: string | undefined;
  roleIdFile: string | undefined;
  secretId: CredentialSource | undefined;
  secretIdFile: string | undefined;
  wrappedSecretId: string | undefined;
  mount: string;
  namespace: string | undefined;
}

/** What an AppRole login needs besides the transport: the clock and time bound, and memory across logins. */
export interface AppRoleContext {
  transport: Transport;
  redactor: Redactor;
  clock: Clock;
  timeoutMs: number;
  call: CallOptions | undefined;
  /** A secret id unwrapped at an earlier login: a wrapping token works once, so it is kept. */
  unwrapped: { secretId: string | undefined };
}

/**
 * `auth/<mount>/login` of Vault's AppRole method. The role id and secret id are read anew at every
 * login (from their files or the app's function), so a rotated secret id is picked up; a
 * response-wrapped secret id is unwrapped once through `sys/wrapping/unwrap`. Every credential is
 * given to the redactor before it is sent: Vault quotes a wrong secret id back in its error.
 */
export async function appRoleLogin(auth: AppRoleAuth, ctx: AppRoleContext): Promise<AuthBlock> {
  const roleId = await credential('roleId', auth.roleId, auth.roleIdFile, ctx);
  ctx.redactor.add(roleId);
  const secretId = await secretIdFor(auth, ctx);
  ctx.redactor.add(secretId);
  return postLogin(
    ctx.transport,
    {
      mount: auth.mount,
      body: secretId === undefined ? { role_id: roleId } : { role_id: roleId, secret_id: secretId },
      // A secret id with secret_id_num_uses is spent by each login that reaches Vault: never resent.
      kind: 'write',
      call: ctx.call,
    },
    (error) => refusal(error, auth, ctx),
  );
}

async function secretIdFor(auth: AppRoleAuth, ctx: AppRoleContext): Promise<string | undefined> {
  if (auth.secretId !== undefined || auth.secretIdFile !== undefined) {
    return credential('secretId', auth.secretId, auth.secretIdFile, ctx);
  }
  if (auth.wrappedSecretId === undefined) return undefined; // a role with bind_secret_id=false
  ctx.unwrapped.secretId ??= await unwrap(auth, auth.wrappedSecretId, ctx);
  return ctx.unwrapped.secretId;
}

/** `sys/wrapping/unwrap` with the wrapping token: the wrapped answer's `data.secret_id`. */
async function unwrap(auth: AppRoleAuth, wrappingToken: string, ctx: AppRoleContext): Promise<string> {
  ctx.redactor.add(wrappingToken);
  const path = 'sys/wrapping/unwrap';
  let data: unknown;
  try {
    const res = await ctx.transport.send({
      method: 'POST',
      path,
      token: wrappingToken,
      // Unwrapping spends the wrapping token: never sent twice.
      kind: 'write',
      ...(ctx.call ? { call: ctx.call } : {}),
    });
    data = parseEnvelope(res.body, { path, status: res.status }).data;
  } catch (error) {
    if (error instanceof VaultResponseError && (error.status === 400 || error.status === 403)) {
      const reason = reasonOf(error, ctx.redactor);
      throw loginError(
        `Vault refused to unwrap auth.wrappedSecretId at ${path}: ${reason}. A wrapping token works once and expires with its wrap TTL: wrap a new secret id (vault write -wrap-ttl=5m -f auth/${auth.mount}/role/<name>/secret-id) and pass it.`,
        { method: 'approle', role: '', mount: auth.mount, status: error.status, reason },
        error,
      );
    }
    throw error;
  }
  const secretId = (data as { secret_id?: unknown } | undefined)?.secret_id;
  if (typeof secretId !== 'string' || secretId === '') {
    throw new LoginCredentialError(
      'the answer unwrapped from auth.wrappedSecretId holds no secret_id: wrap the answer of auth/<mount>/role/<name>/secret-id, not another one',
      { credential: 'wrappedSecretId', problem: 'malformed' },
    );
  }
  ctx.redactor.add(secretId);
  return secretId;
}

const OPTION: Record<'roleId' | 'secretId', [value: string, file: string]> = {
  roleId: ['auth.roleId', 'auth.roleIdFile'],
  secretId: ['auth.secretId', 'auth.secretIdFile'],
};

/** A role id or secret id from its value, its function, or its file, bounded by the request timeout. */
async function credential(
  which: 'roleId' | 'secretId',
  value: CredentialSource | undefined,
  file: string | undefined,
  ctx: AppRoleContext,
): Promise<string> {
  const [valueOption, fileOption] = OPTION[which];
  let raw: unknown;
  if (typeof value === 'string') raw = value;
  else if (typeof value === 'function') {
    try {
      raw = await settleWithin(callSource(value), ctx.timeoutMs, ctx.clock);
    } catch (cause) {
      throw sourceFailed(which, valueOption, cause, undefined);
    }
  } else if (file !== undefined) {
    try {
      raw = await settleWithin(trackIo(ctx.clock, readCredentialFile(file)), ctx.timeoutMs, ctx.clock);
    } catch (cause) {
      throw sourceFailed(which, `${fileOption} (${file})`, cause, file);
    }
  }
  if (typeof raw !== 'string') {
    throw new LoginCredentialError(`${valueOption} returned something other than a string`, {
      credential: which,
      problem: 'malformed',
    });
  }
  const text = raw.trim();
  if (text === '') {
    throw new LoginCredentialError(
      `${file !== undefined && typeof value !== 'string' ? `${fileOption} (${file}) is empty` : `${valueOption} is empty`}; AppRole login needs the ${which === 'roleId' ? 'role id' : 'secret id'}`,
      { credential: which, problem: 'empty', path: file },
    );
  }
  return text;
}

function sourceFailed(
  which: LoginCredential,
  where: string,
  cause: unknown,
  path: string | undefined,
): LoginCredentialError {
  if (cause instanceof SourceTimeoutError) {
    return new LoginCredentialError(
      `${where} did not answer within ${cause.ms} ms (timeouts.requestMs); the login was given up`,
      { credential: which, problem: 'timeout', path },
      cause,
    );
  }
  if (cause instanceof CredentialFileError) {
    return new LoginCredentialError(
      `${where} ${describeFileProblem(cause.problem)}`,
      { credential: which, problem: cause.problem.kind === 'missing' ? 'missing' : 'unreadable', path },
      cause,
    );
  }
  return new LoginCredentialError(
    `${where} failed (${cause instanceof Error ? cause.name : typeof cause}); see the error's cause`,
    { credential: which, problem: 'unreadable', path },
    cause,
  );
}

function refusal(error: VaultResponseError, auth: AppRoleAuth, ctx: AppRoleContext) {
  const reason = reasonOf(error, ctx.redactor);
  const mount = `auth/${auth.mount}`;
  const message = `Vault refused AppRole login at ${mount}: ${reason}. ${hint(reason, auth)}`;
  return loginError(
    message,
    { method: 'approle', role: '', mount: auth.mount, status: error.status, reason },
    error,
  );
}

/** What to change, from the approle backend's words (builtin/credential/approle/path_login.go). */
function hint(reason: string, auth: AppRoleAuth): string {
  const mount = `auth/${auth.mount}`;
  if (reason.includes('invalid role or secret ID') || reason.includes('invalid secret_id')) {
    return `The role id or the secret id is not valid here: the secret id may have expired (secret_id_ttl), been used up (secret_id_num_uses) or destroyed, or the role id belongs to another mount. Generate a new secret id (vault write -f ${mount}/role/<name>/secret-id) and check the role id (vault read ${mount}/role/<name>/role-id).`;
  }
  if (reason.includes('missing secret_id')) {
    return 'The role binds a secret id (bind_secret_id=true): set auth.secretId, auth.secretIdFile or auth.wrappedSecretId.';
  }
  if (reason.includes('missing role_id')) return 'Set auth.roleId or auth.roleIdFile.';
  if (reason.includes('CIDR restrictions')) {
    return `The secret id or role is bound to other networks (secret_id_bound_cidrs, token_bound_cidrs): add this client's address, or log in from an allowed one.`;
  }
  if (reason.includes('no handler for route') || reason.includes('permission denied')) {
    return `No AppRole auth method answers at ${mount}: enable it (vault auth enable -path=${auth.mount} approle) or fix auth.mount (vault auth list).`;
  }
  return `Check the role behind this role id at ${mount}.`;
}
