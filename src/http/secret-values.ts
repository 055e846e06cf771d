/**
 * Which strings of a Vault exchange are secrets the client must never print: a pure function of
 * the request and the answer, so the rule is in one place and testable by itself.
 *
 * Received: `auth.client_token`, `wrap_info.token`, and every string of `data`, however deep
 * (a KV secret's values, a database password, a certificate's private key). Not the names around
 * them: a LIST answer's keys, a KV v2 answer's `metadata`, and of a token lookup only `id` (the
 * rest is the token's public description: policies, paths, display names).
 * Written: every string in a request body, however deep.
 */

const MAX_DEPTH = 64;
const MAX_STRINGS = 10_000;

export function secretsInAnswer(path: string, list: boolean, body: unknown): string[] {
  const out: string[] = [];
  if (typeof body !== 'object' || body === null) return out;
  const envelope = body as { auth?: unknown; data?: unknown; wrap_info?: unknown };
  const auth = envelope.auth as { client_token?: unknown } | null | undefined;
  if (typeof auth?.client_token === 'string') out.push(auth.client_token);
  const wrap = envelope.wrap_info as { token?: unknown } | null | undefined;
  if (typeof wrap?.token === 'string') out.push(wrap.token);
  const data = envelope.data;
  if (list || data === null || typeof data !== 'object') return out;
  if (/^auth\/token\/lookup(-self|-accessor)?$/.test(path)) {
    const id = (data as { id?: unknown }).id;
    if (typeof id === 'string') out.push(id);
    return out;
  }
  const kv2 = data as { data?: unknown; metadata?: unknown };
  const isKv2 =
    typeof kv2.metadata === 'object' &&
    kv2.metadata !== null &&
    'version' in kv2.metadata &&
    (typeof kv2.data === 'object' || kv2.data === undefined);
  collectStrings(isKv2 ? kv2.data : data, out);
  return out;
}

export function secretsInRequest(body: unknown): string[] {
  const out: string[] = [];
  collectStrings(body, out);
  return out;
}

/** Every string leaf (object keys are names, not values), iteratively, bounded in depth and count. */
function collectStrings(root: unknown, out: string[]): void {
  if (typeof root === 'string') {
    out.push(root);
    return;
  }
  const stack: { value: unknown; depth: number }[] = [{ value: root, depth: 0 }];
  while (stack.length > 0 && out.length < MAX_STRINGS) {
    const { value, depth } = stack.pop()!;
    if (typeof value === 'string') out.push(value);
    else if (typeof value === 'object' && value !== null && depth < MAX_DEPTH) {
      const items = Array.isArray(value) ? value : Object.values(value);
      for (const item of items) stack.push({ value: item, depth: depth + 1 });
    }
  }
}
