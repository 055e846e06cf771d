import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, main } from '../../examples/express-app';
import { connect, type ExampleVault } from '../../examples/support/vault';

let vault: ExampleVault | undefined;
afterEach(async () => {
  await vault?.close();
  vault = undefined;
});

describe('the Express example', () => {
  it('503 before the client is ready, 200 after, 503 again once Vault is lost and the lease ran out', async () => {
    vault = await connect({ retry: { maxRetries: 0 } });
    const app = createApp(vault.client);
    expect((await request(app).get('/hello')).status).toBe(503);
    expect((await request(app).get('/healthz/ready')).status).toBe(503);
    expect((await request(app).get('/healthz/live')).status).toBe(200);
    await vault.client.start();
    const hello = await request(app).get('/hello');
    expect(hello.status).toBe(200);
    expect(hello.body.message).toBe('hello from https://api.example.com');
    expect((await request(app).get('/healthz/ready')).status).toBe(200);

    // Vault goes away for longer than the database lease and the token live.
    vault.mock!.faults.resetConnection({ times: Number.POSITIVE_INFINITY });
    await vault.mock!.clock.advance(2 * 3_600_000);
    const lost = await request(app).get('/hello');
    expect(lost.status).toBe(503);
    expect(lost.body.error).toBe('vault_unavailable');
    expect((await request(app).get('/healthz/ready')).status).toBe(503);

    vault.mock!.faults.clear();
    await vault.mock!.clock.advance(6 * 60_000);
    expect((await request(app).get('/hello')).status).toBe(200);
  });

  it('runs end to end and closes cleanly', async () => {
    const lines: string[] = [];
    await main((line) => lines.push(line));
    expect(lines.filter((l) => l.startsWith('GET ')).map((l) => l.split(' ').slice(0, 4).join(' '))).toEqual([
      'GET /healthz/ready -> 503',
      'GET /hello -> 200',
      'GET /healthz/ready -> 200',
    ]);
  });
});
