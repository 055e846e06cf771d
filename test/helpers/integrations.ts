import type { ClientOptions } from 'vault-kubernetes-client';
import { APP_POLICY, createHarness, type Harness } from './harness';

/** The article's mock Vault plus a database engine whose `app` role hands out credentials. */
export function integrationHarness(options: { ttl?: string; maxTtl?: string } = {}): Promise<Harness> {
  return createHarness({ policy: APP_POLICY, database: options });
}

/**
 * Options for a client an integration creates itself (the Nest module builds its own), recording
 * every token and JWT it sends into `sent` so responses can be scanned for them.
 */
export function recordingOptions(h: Harness, sent: Set<string>): ClientOptions {
  const recordingFetch: typeof fetch = async (input, init) => {
    const request = input instanceof Request ? input.clone() : new Request(input as string | URL, init);
    const token = request.headers.get('x-vault-token');
    if (token) sent.add(token);
    if (request.url.endsWith('/login')) {
      const jwt = (JSON.parse((await request.text()) || '{}') as { jwt?: string }).jwt;
      if (jwt) sent.add(jwt);
    }
    const response = await fetch(input, init);
    if (request.url.endsWith('/login')) {
      const body = (await response
        .clone()
        .json()
        .catch(() => undefined)) as { auth?: { client_token?: string } } | undefined;
      if (body?.auth?.client_token) sent.add(body.auth.client_token);
    }
    return response;
  };
  return {
    address: h.mock.address,
    auth: { role: 'myapp-role', tokenPath: h.tokenPath },
    clock: h.mock.clock,
    logLevel: 'silent',
    retry: { maxRetries: 0 },
    fetch: recordingFetch,
  };
}

/** The strings in `text` that must never be there (tokens, JWTs, secret values). */
export function leaked(text: string, secrets: Iterable<string>): string[] {
  return [...secrets].filter((s) => s.length > 0 && text.includes(s));
}
