import { writeFile } from 'node:fs/promises';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createHarness, describeError, type Harness, HOUR, rejection } from '../helpers/harness';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const POLICY = [
  'path "secret/data/myapp/*" { capabilities = ["read"] }',
  'path "database/creds/app" { capabilities = ["read"] }',
  'path "sys/leases/revoke" { capabilities = ["update"] }',
].join('\n');

describe('secrets stay secret', () => {
  it('no token, JWT or secret value in any log line, error, event payload, inspect or JSON of our objects', async () => {
    h = await createHarness({
      policy: POLICY,
      role: { token_ttl: '1h', token_max_ttl: '4h' },
      database: { ttl: '1h', maxTtl: '2h' },
    });
    const client = h.client();
    const values = new Set<string>(['kv-password-value-1', 'app-user']);
    const objects: unknown[] = [client];

    // The whole lifecycle: login, reads, managed secrets, renewals, rotations, a revoked token, failures.
    objects.push(await client.read('secret/data/myapp/config'));
    const kv = await client.secret('secret/data/myapp/config');
    objects.push(kv);
    const unsubscribe = client.watch('database/creds/app', (secret, change) => {
      objects.push(secret, change);
      values.add(String((secret.data as { password: string }).password));
      values.add(String((secret.data as { username: string }).username));
    });
    await unsubscribe.ready;
    await h.mock.clock.advance(3 * HOUR);
    h.mock.revokeToken(client.tokenInfo()!.accessor);
    await client.read('secret/data/myapp/config');
    await rejection(client.read('secret/data/not-mine'), h.errors);
    await rejection(
      client.secret('secret/data/myapp/config', { schema: z.object({ password: z.number() }) }),
      h.errors,
    );
    h.mock.faults.htmlError({ path: 'secret/data/myapp/config', status: 502 });
    await rejection(client.read('secret/data/myapp/config', { maxRetries: 0 }), h.errors);
    h.mock.faults.failNext({
      path: 'secret/data/myapp/config',
      status: 400,
      errors: [`error converting input ${[...h.secretsSent][0]} for field "jwt"`],
    });
    await rejection(client.read('secret/data/myapp/config'), h.errors);
    await writeFile(h.tokenPath, 'not-a-jwt');
    h.mock.revokeToken(client.tokenInfo()!.accessor);
    await rejection(client.read('secret/data/myapp/config'), h.errors);
    for (const [i, object] of objects.entries())
      objects[i] = `${inspect(object, { depth: 10 })}\n${JSON.stringify(object)}`;
    unsubscribe();
    await client.close({ revoke: true });

    const text = `${h.visibleText()}\n${objects.join('\n')}\n${h.errors.map(describeError).join('\n')}`;
    // The scan has teeth: it covers lots of output, and the secrets it looks for were really used.
    expect(h.logs.length).toBeGreaterThan(20);
    expect(h.events.some((e) => e.name === 'secret:rotated')).toBe(true);
    expect(h.errors.length).toBe(5);
    expect(h.secretsSent.size).toBeGreaterThanOrEqual(3);
    expect(values.size).toBeGreaterThanOrEqual(4);
    for (const secret of [...h.secretsSent, ...values]) {
      expect(text.includes(secret), `found a secret in visible output: ${secret.slice(0, 6)}…`).toBe(false);
    }
    // And what is shown still says what things are.
    expect(text).toContain('[redacted]');
    expect(text).toContain('database/creds/app');
  });
});
