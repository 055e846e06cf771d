import { VaultConnectionError, VaultTlsError } from '../errors';

export type NetworkFailure = 'refused' | 'network' | 'tls';

export interface NetworkContext {
  /** The address as it may be shown (no user info: the client refuses addresses that carry one). */
  address: string;
  hasClientCert: boolean;
  /** Whether the failure came from a `fetch` the app passed in (its own rules, e.g. blocked ports). */
  customFetch?: boolean;
}

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

const NOT_FOUND = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL']);
const UNREACHABLE = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL']);
const CLOSED = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE', 'UND_ERR_CLOSED']);

/**
 * What a failed connection means, from the error undici (or a fetch's `cause`) gives: a TLS error
 * with the option that fixes it, or a connection error with the likely reason. Every message
 * says what to check, keeps the original error as `cause`, and never quotes a body or a header.
 * `failure` is `refused` only when the request surely never reached Vault (safe to repeat).
 */
export function classifyNetworkError(
  error: unknown,
  context: NetworkContext,
): { error: VaultConnectionError; failure: NetworkFailure } {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  const inner = (typeof cause === 'object' && cause !== null ? cause : error) as
    | { code?: unknown; message?: unknown; name?: unknown }
    | undefined;
  const rawCode = inner?.code ?? (error as { code?: unknown } | undefined)?.code;
  const message = typeof inner?.message === 'string' ? inner.message : '';
  const name = typeof inner?.name === 'string' ? inner.name : '';
  const given = typeof rawCode === 'string' && rawCode !== '' ? rawCode : codeFromShape(name, message);
  // Node's HTTP parser names each way a response can be malformed (HPE_INVALID_CONSTANT, ...).
  const code = given.startsWith('HPE_') ? 'HTTP_PARSER' : given;
  const where = `Vault at ${context.address}`;
  const https = context.address.startsWith('https:');
  const fail = (text: string, failure: NetworkFailure = 'network') => ({
    error: new VaultConnectionError(`${where} ${text}`, code, { cause: safeCause(error) }),
    failure,
  });

  if (UNTRUSTED.has(code)) {
    return tls(
      error,
      code,
      `${where} presented a certificate this client does not trust (${code})`,
      "set tls.caCert (PEM), tls.caCertFile or VAULT_CACERT (or tls.caPath / VAULT_CAPATH) to the CA that signed Vault's certificate",
    );
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return tls(
      error,
      code,
      `${where} presented a certificate outside its validity period (${code})`,
      "renew Vault's certificate, or check this machine's clock",
    );
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return tls(
      error,
      code,
      `${where} presented a certificate for another host name (${code})`,
      'use the host name on the certificate in the address, or set tls.serverName / VAULT_TLS_SERVER_NAME to it',
    );
  }
  if (
    code === 'EPROTO' ||
    code === 'ERR_SSL_WRONG_VERSION_NUMBER' ||
    code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG' ||
    /wrong version number|packet length too long/i.test(message)
  ) {
    return tls(
      error,
      code,
      `${where} does not speak TLS on that port (${code})`,
      'check http vs https: the address starts with https:// but the server answered in plain HTTP; write http:// if Vault has no TLS listener there (tls_disable), or fix the port',
    );
  }
  if (/CERTIFICATE_REQUIRED|ALERT_BAD_CERTIFICATE|ALERT_UNKNOWN_CA|ALERT_HANDSHAKE_FAILURE/i.test(code)) {
    return tls(
      error,
      code,
      `${where} refused this client's certificate (${code})`,
      'Vault requires a client certificate it trusts: set tls.clientCert and tls.clientKey (or VAULT_CLIENT_CERT and VAULT_CLIENT_KEY)',
    );
  }
  if (code === 'BAD_PORT') {
    const port = portOf(context.address);
    return fail(
      `cannot be reached: the fetch function passed in the \`fetch\` option refuses port ${port} (one of the ports the Fetch standard blocks, "bad port"); the client's own transport has no such list: drop the \`fetch\` option, or run Vault on another port`,
      'refused',
    );
  }
  if (code === 'ECONNREFUSED') {
    return fail(
      'refused the connection (ECONNREFUSED): nothing listens on that host and port; check the address, the port (8200 by default) and that Vault is running',
      'refused',
    );
  }
  if (NOT_FOUND.has(code)) {
    return fail(
      `could not be found (${code}): the host name does not resolve; check the spelling of the address and the cluster's DNS (in Kubernetes, <service>.<namespace>.svc)`,
      'refused',
    );
  }
  if (UNREACHABLE.has(code)) {
    return fail(
      `could not be reached (${code}): no network route to the host; check the address and any network policy between this pod and Vault`,
      'refused',
    );
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') {
    return fail(
      `did not accept the connection in time (${code}): a firewall or network policy may drop the packets; check the address and the port`,
      'refused',
    );
  }
  if (code === 'HTTP_PARSER') {
    return fail(
      `answered with something that is not HTTP (${https ? 'after TLS' : 'plain bytes'}): the port belongs to another kind of server; ${https ? 'check the address and the port' : 'check http vs https and the port'}`,
    );
  }
  if (
    code === 'ERR_ANSWER_CUT' ||
    code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' ||
    code === 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH'
  ) {
    return fail(
      `broke the connection in the middle of its answer (${code}): the answer was cut short; a proxy, a restarting Vault or an unstable network may be at fault`,
    );
  }
  if (CLOSED.has(code)) {
    const hints = [
      ...(https ? [] : ['check http vs https: a TLS listener closes plain-HTTP connections like this']),
      ...(https && !context.hasClientCert
        ? ['if Vault requires client certificates, set tls.clientCert and tls.clientKey']
        : []),
      'otherwise something between this client and Vault (a proxy, a load balancer, a service mesh) cut the connection',
    ];
    return fail(`closed the connection before answering (${code}): ${hints.join('; ')}`);
  }
  return fail(
    `could not be reached (${code}): check the address and that Vault is running, and whether a proxy, firewall or service mesh is in the way`,
  );
}

/** Errors without a code say what they are in their name or message. */
function codeFromShape(name: string, message: string): string {
  if (message === 'bad port') return 'BAD_PORT';
  if (name === 'HTTPParserError' || /does not match the HTTP\/1\.1 protocol|Parse Error/i.test(message))
    return 'HTTP_PARSER';
  if (name === 'SocketError' || /other side closed/i.test(message)) return 'UND_ERR_SOCKET';
  return name && name !== 'Error' && name !== 'TypeError' ? name : 'UNKNOWN_NETWORK_ERROR';
}

function portOf(address: string): string {
  try {
    const url = new URL(address);
    return url.port || (url.protocol === 'https:' ? '443' : '80');
  } catch {
    return 'in the address';
  }
}

function tls(
  error: unknown,
  code: string,
  message: string,
  hint: string,
): { error: VaultTlsError; failure: 'tls' } {
  return {
    error: new VaultTlsError(`${message}: ${hint}`, code, hint, { cause: safeCause(error) }),
    failure: 'tls',
  };
}

/**
 * The error as `cause`, without what a hostile server could have put in it: undici's parser
 * error carries the bytes it choked on (`data`), which must not reach a log through inspect().
 * Name, code, message and the system call's facts are kept, one level of `cause` deep.
 */
export function safeCause(error: unknown, depth = 0): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const source = error as Record<string, unknown> & { message?: unknown; cause?: unknown };
  const copy = new Error(typeof source.message === 'string' ? source.message : 'network error');
  for (const key of ['name', 'code', 'errno', 'syscall', 'address', 'port', 'host'] as const) {
    const value = source[key];
    if (typeof value === 'string' || typeof value === 'number')
      Object.defineProperty(copy, key, {
        value,
        enumerable: key !== 'name',
        configurable: true,
        writable: true,
      });
  }
  if (depth < 1 && source.cause !== undefined) copy.cause = safeCause(source.cause, depth + 1);
  copy.stack = `${String(source.name ?? 'Error')}: ${copy.message}`;
  return copy;
}

/** Vault's Go TLS listener answers a plain-HTTP request with this 400 (net/http's own words). */
export function isPlainHttpToTlsAnswer(status: number, text: string): boolean {
  return status === 400 && text.startsWith('Client sent an HTTP request to an HTTPS server');
}
