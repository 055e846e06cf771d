import { execFile } from 'node:child_process';
import { isAbsolute } from 'node:path';
import { LoginCredentialError, VaultConfigError } from '../errors';
import { trackIo } from '../internal/tracking-clock';
import type { Clock } from '../types/clock';
import {
  CredentialFileError,
  describeFileProblem,
  MAX_CREDENTIAL_BYTES,
  readCredentialFile,
  SourceTimeoutError,
  settleWithin,
} from './credential-file';

/**
 * Where a Vault token the client did not log in for comes from: given in the options, a file
 * (the Agent Injector's token file), `VAULT_TOKEN`, or, as the Vault CLI does after `vault login`,
 * the configured token helper or `~/.vault-token`. Resolved at each login, never in the constructor.
 */
export type TokenSourceSpec =
  | { kind: 'value'; token: string; from: 'auth.token' | 'VAULT_TOKEN' }
  | { kind: 'file'; path: string }
  | {
      kind: 'cli';
      /** `VAULT_CONFIG_PATH`, else `~/.vault`: where `token_helper = "..."` may be set. */
      configPath: string;
      /** `~/.vault-token`. */
      tokenFile: string;
      /** The address handed to a token helper as VAULT_ADDR, as the Vault CLI does. */
      address: string;
    };

export interface FoundToken {
  token: string;
  /** Where it came from, for the log: never the token. */
  source: string;
}

export interface SourceContext {
  clock: Clock;
  timeoutMs: number;
}

/** The token now, from its source. */
export async function readToken(spec: TokenSourceSpec, ctx: SourceContext): Promise<FoundToken> {
  switch (spec.kind) {
    case 'value':
      return { token: spec.token, source: spec.from === 'VAULT_TOKEN' ? 'VAULT_TOKEN' : 'auth.token' };
    case 'file': {
      const token = await tokenFile(spec.path, `auth.tokenPath (${spec.path})`, ctx, true);
      if (token === undefined) throw emptyToken(`auth.tokenPath (${spec.path}) is empty`, spec.path);
      return { token, source: `the token file ${spec.path}` };
    }
    case 'cli':
      return cliToken(spec, ctx);
  }
}

/** `token_helper` from the Vault CLI's config if one is set, else `~/.vault-token`, else a clear error. */
async function cliToken(
  spec: Extract<TokenSourceSpec, { kind: 'cli' }>,
  ctx: SourceContext,
): Promise<FoundToken> {
  const config = await optionalFile(spec.configPath, `the Vault CLI config ${spec.configPath}`, ctx);
  const helper = config === undefined ? undefined : tokenHelperOf(config);
  if (helper !== undefined) {
    if (!isAbsolute(helper)) {
      throw new VaultConfigError(
        `token_helper in ${spec.configPath} is not an absolute path; the Vault CLI requires one: write token_helper = "/path/to/helper"`,
      );
    }
    const token = await runHelper(helper, spec.address, ctx);
    if (token === '') throw noToken(`the token helper ${helper} printed no token: run vault login first`);
    return { token, source: `the token helper ${helper}` };
  }
  const token = await tokenFile(spec.tokenFile, spec.tokenFile, ctx, false);
  if (token !== undefined) return { token, source: spec.tokenFile };
  throw noToken(`no token in VAULT_TOKEN or ${spec.tokenFile}`);
}

function noToken(what: string): VaultConfigError {
  return new VaultConfigError(
    `no auth: ${what}; pass auth: { role: 'my-app' } for Kubernetes login (or auth: { method: 'token', token }), set VAULT_TOKEN, or run vault login, which writes ~/.vault-token`,
  );
}

function emptyToken(message: string, path: string): LoginCredentialError {
  return new LoginCredentialError(`${message}; the Vault Agent may not have written it yet`, {
    credential: 'token',
    problem: 'empty',
    path,
  });
}

/**
 * A token file's trimmed text; undefined when it does not exist (and `required` is false) or is
 * empty. A token with a line break or control character inside is refused: it is sent as a header.
 */
async function tokenFile(
  path: string,
  where: string,
  ctx: SourceContext,
  required: boolean,
): Promise<string | undefined> {
  const text = await optionalFile(path, where, ctx, required);
  const token = text?.trim();
  if (token === undefined || token === '') return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a token is one header value
  if (/[\u0000-\u001f\u007f]/.test(token)) {
    throw new LoginCredentialError(`${where} holds more than one line; a token file holds just the token`, {
      credential: 'token',
      problem: 'malformed',
      path,
    });
  }
  return token;
}

/** A file's text, bounded like every credential read; undefined when it does not exist, unless required. */
async function optionalFile(
  path: string,
  where: string,
  ctx: SourceContext,
  required = false,
): Promise<string | undefined> {
  try {
    return await settleWithin(trackIo(ctx.clock, readCredentialFile(path)), ctx.timeoutMs, ctx.clock);
  } catch (cause) {
    if (cause instanceof CredentialFileError && cause.problem.kind === 'missing' && !required)
      return undefined;
    if (cause instanceof SourceTimeoutError) {
      throw new LoginCredentialError(
        `${where} could not be read within ${cause.ms} ms (timeouts.requestMs)`,
        { credential: 'token', problem: 'timeout', path },
        cause,
      );
    }
    const problem = cause instanceof CredentialFileError ? cause.problem : undefined;
    throw new LoginCredentialError(
      `${where} ${problem ? describeFileProblem(problem) : 'could not be read'}`,
      { credential: 'token', problem: problem?.kind === 'missing' ? 'missing' : 'unreadable', path },
      cause,
    );
  }
}

/** `token_helper = "/path"` from the Vault CLI's HCL config: the one setting read from it. */
export function tokenHelperOf(config: string): string | undefined {
  for (const line of config.split(/\r?\n/)) {
    const match = /^\s*token_helper\s*=\s*"((?:[^"\\]|\\.)*)"\s*(?:[#/].*)?$/.exec(line);
    if (match) return match[1]!.replace(/\\(.)/g, '$1');
  }
  return undefined;
}

/** `<helper> get`, as the Vault CLI runs it: the token on stdout, VAULT_ADDR in the environment. */
function runHelper(helper: string, address: string, ctx: SourceContext): Promise<string> {
  const running = new Promise<string>((resolve, reject) => {
    execFile(
      helper,
      ['get'],
      {
        // Killed in real time too, so a helper waiting for input never outlives the login.
        timeout: ctx.timeoutMs,
        maxBuffer: MAX_CREDENTIAL_BYTES,
        env: { ...process.env, VAULT_ADDR: address },
        windowsHide: true,
      },
      (error, stdout) => {
        if (error) reject(error);
        else resolve(String(stdout).trim());
      },
    );
  });
  return settleWithin(running, ctx.timeoutMs, ctx.clock).catch((cause: unknown) => {
    const timedOut = cause instanceof SourceTimeoutError || (cause as { killed?: boolean }).killed === true;
    throw new LoginCredentialError(
      timedOut
        ? `the token helper ${helper} did not answer within ${ctx.timeoutMs} ms (timeouts.requestMs)`
        : `the token helper ${helper} failed (${(cause as NodeJS.ErrnoException).code ?? 'exit status not 0'}); run "${helper} get" to see why`,
      { credential: 'token', problem: timedOut ? 'timeout' : 'unreadable', path: helper },
      cause,
    );
  });
}
