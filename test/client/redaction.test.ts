import { writeFile } from 'node:fs/promises';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { secretsInAnswer, secretsInRequest } from '../../src/http/secret-values';
import { Redactor } from '../../src/internal/redact';
import { APP_POLICY, createHarness, describeError, type Harness, HOUR, rejection } from '../helpers/harness';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe('secrets stay secret', () => {
  it('no token, JWT or secret value in any log line, error, event payload, inspect or JSON of our objects', async () => {
    h = await createHarness({
      policy: APP_POLICY,
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

describe('secrets stay secret, continued', () => {
  it('refused logins, certificates with private keys and TLS failures leak nothing either', async () => {
    h = await createHarness({
      policy: 'path "pki/issue/web" { capabilities = ["update"] }',
      mock: { tls: true },
    });
    await h.mock.write('sys/mounts/pki', { type: 'pki', config: { max_lease_ttl: '87600h' } });
    await h.mock.write('pki/root/generate/internal', { common_name: 'example.com', ttl: '8760h' });
    await h.mock.write('pki/roles/web', {
      allowed_domains: ['example.com'],
      allow_subdomains: true,
      ttl: '24h',
    });
    const ca = h.mock.tls!.caCertificate;
    const values = new Set<string>();
    const client = h.client({ tls: { caCert: ca } });
    const cert = await client.secret('pki/issue/web', { body: { common_name: 'web.example.com' } });
    values.add(String(cert.data.private_key));
    const text = [`${JSON.stringify(cert)}`, `${inspect(cert)}`];

    // A pod whose service account the role does not name: the error describes the JWT, never includes it.
    const jwt = await h.mock.cluster.mintToken({ serviceAccount: 'intruder-sa' });
    values.add(jwt);
    await rejection(h.client({ auth: { role: 'myapp-role', jwt }, tls: { caCert: ca } }).start(), h.errors);
    // A client that does not trust the CA: the TLS error names the cause and the fix.
    await rejection(
      h.client({ tls: { caCert: cert.data.issuing_ca as string, serverName: 'nope.example' } }).start(),
      h.errors,
    );
    await client.close({ revoke: true });

    const visible = `${h.visibleText()}\n${text.join('\n')}\n${h.errors.map(describeError).join('\n')}`;
    expect(h.errors).toHaveLength(2);
    expect(visible).toContain('intruder-sa');
    expect(visible).toContain('private_key');
    for (const secret of [...h.secretsSent, ...values]) {
      expect(visible.includes(secret), `found a secret in visible output: ${secret.slice(0, 12)}…`).toBe(
        false,
      );
    }
  });
});

describe('the redactor', () => {
  it('scrubs every one of 10,000 known secrets, and token shapes it was never told', () => {
    const redactor = new Redactor();
    const secrets = Array.from(
      { length: 10_000 },
      (_, i) => `pw-${i.toString(36)}-${(i * 7919).toString(36)}x`,
    );
    redactor.addValues(secrets);
    for (const [i, secret] of secrets.entries()) {
      if (i % 97 !== 0) continue;
      const line = `login failed for user app with password ${secret}; retry later (attempt ${i})`;
      expect(redactor.text(line)).toBe(
        `login failed for user app with password [redacted]; retry later (attempt ${i})`,
      );
    }
    // Overlapping secrets: the longest wins, nothing of it is left.
    redactor.addValues(['abcdef-1', 'abcdef-1-and-more']);
    expect(redactor.text('x abcdef-1-and-more y abcdef-1 z')).toBe('x [redacted] y [redacted] z');
    expect(redactor.text('token s.AbCdEfGhIjKlMnOpQrStUvWx and hvb.' + 'B'.repeat(30))).toBe(
      'token [redacted] and [redacted]',
    );
    // Short values are not scrubbed everywhere (they would wreck every message), only in their own request's error.
    redactor.addValues(['4711']);
    expect(redactor.text('code 4711')).toBe('code 4711');
    expect(redactor.text('code 4711', ['4711'])).toBe('code [redacted]');
  });

  it('keeps its memory bounded, forgetting the oldest values first and credentials last', () => {
    const redactor = new Redactor({ maxValues: 1_000, maxValueChars: 1 << 20, maxCredentials: 10 });
    redactor.add('hvs.the-current-token-of-this-client');
    for (let i = 0; i < 50_000; i++) redactor.addValues([`value-number-${i}`]);
    expect(redactor.size).toBeLessThanOrEqual(1_001);
    expect(redactor.text('value-number-1 value-number-49999')).toBe('value-number-1 [redacted]');
    // A flood of values never pushes out a credential.
    expect(redactor.text('x hvs.the-current-token-of-this-client')).toBe('x [redacted]');
    const chars = new Redactor({ maxValueChars: 10_000 });
    for (let i = 0; i < 100; i++) chars.addValues([`${i}-${'v'.repeat(1_000)}`]);
    expect(chars.size).toBeLessThanOrEqual(10);
  });

  it('learns what a Vault exchange holds that is secret, and not the names around it', () => {
    expect(
      secretsInAnswer('secret/data/app', false, {
        data: {
          data: { password: 'p1', nested: [{ key: 'p2' }] },
          metadata: { version: 3, created_time: 'ct' },
        },
      }).sort(),
    ).toEqual(['p1', 'p2']);
    expect(secretsInAnswer('secret/metadata/app', true, { data: { keys: ['config', 'db/'] } })).toEqual([]);
    expect(
      secretsInAnswer('auth/token/lookup-self', false, {
        data: { id: 'tok', policies: ['default'], path: 'auth/x' },
      }),
    ).toEqual(['tok']);
    expect(
      secretsInAnswer('auth/kubernetes/login', false, {
        auth: { client_token: 'tok', accessor: 'acc' },
        data: null,
      }),
    ).toEqual(['tok']);
    expect(secretsInAnswer('sys/wrapping/wrap', false, { wrap_info: { token: 'wrapped' } })).toEqual([
      'wrapped',
    ]);
    expect(secretsInRequest({ data: { a: 'x', b: [1, 'y', { c: 'z' }] } }).sort()).toEqual(['x', 'y', 'z']);
  });
});
