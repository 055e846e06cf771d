import { ClientClosedError } from 'vault-kubernetes-client';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createHarness, type Harness } from '../helpers/harness';

/*
 * Contract C6: vault.current(path, opts?) returns the current Secret synchronously, or undefined;
 * never a value past its end, with no I/O and no clock read on the fast path.
 */

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const POLICY = [
  'path "secret/data/myapp/*" { capabilities = ["read"] }',
  'path "database/creds/app" { capabilities = ["read"] }',
].join('\n');

describe('C6: current()', () => {
  it('undefined before a load; then the very object secret() gave, on every call, with no request', async () => {
    h = await createHarness({ policy: POLICY });
    const client = h.client();
    expect(client.current('secret/data/myapp/config')).toBeUndefined();
    const loaded = await client.secret('secret/data/myapp/config');
    const requests = h.mock.audit.count({});
    for (let i = 0; i < 1_000; i++) expect(client.current('secret/data/myapp/config')).toBe(loaded);
    expect(h.mock.audit.count({})).toBe(requests);
    const typed = client.current('secret/data/myapp/config', {
      schema: z.object({ username: z.string(), password: z.string() }),
    });
    expect(typed?.data.username).toBe('app-user');
  });

  it('never past the end: with Vault away, served until the last instant of the lease, undefined from its end', async () => {
    h = await createHarness({ policy: POLICY, database: { ttl: '10m', maxTtl: '10m' } });
    const client = h.client({ retry: { maxRetries: 0 } });
    const creds = await client.secret<undefined>('database/creds/app');
    const end = creds.lease!.expiresAt;
    h.mock.faults.resetConnection({ times: Number.POSITIVE_INFINITY });
    // The fast path ends a second before the end; the last second is served by checking the clock.
    await h.mock.clock.advanceTo(end - 1_001);
    expect(client.current('database/creds/app')).toBe(creds);
    await h.mock.clock.advanceTo(end - 1);
    expect(client.current('database/creds/app')).toBe(creds);
    await h.mock.clock.advanceTo(end);
    expect(client.current('database/creds/app')).toBeUndefined();
  });

  it('throws ClientClosedError after close()', async () => {
    h = await createHarness({ policy: POLICY });
    const client = h.client();
    await client.secret('secret/data/myapp/config');
    await client.close();
    expect(() => client.current('secret/data/myapp/config')).toThrow(ClientClosedError);
  });
});
