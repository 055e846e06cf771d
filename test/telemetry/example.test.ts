import { describe, expect, it } from 'vitest';
import { main } from '../../examples/opentelemetry';

describe('examples/opentelemetry.ts', () => {
  it('records a span per Vault call named by route template, and the vault.client.* metrics', async () => {
    const lines: string[] = [];
    const seen = await main((line) => lines.push(line));
    const names = seen.spans.map((s) => s.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'POST auth/{mount}/login',
        'GET {mount}/data/{name}',
        'GET {mount}/creds/{role}',
      ]),
    );
    const missing = seen.spans.find((s) => s.error);
    expect(missing).toMatchObject({
      name: 'GET {mount}/data/{name}',
      attributes: { 'http.response.status_code': 404, 'error.type': 'ERR_VAULT_NOT_FOUND' },
    });
    for (const span of seen.spans) {
      expect(span.attributes).toMatchObject({ 'server.address': '127.0.0.1', 'url.scheme': 'http' });
      expect(JSON.stringify(span.attributes)).not.toMatch(/myapp|creds\/app|missing|hvs\./);
    }
    const duration = seen.metrics.get('vault.client.request.duration') ?? [];
    expect(duration.map((p) => p.attributes)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          'http.request.method': 'GET',
          'url.template': '{mount}/data/{name}',
          'vault.outcome': 'ok',
        }),
        expect.objectContaining({
          'url.template': '{mount}/data/{name}',
          'vault.outcome': 'error',
          'error.type': 'ERR_VAULT_NOT_FOUND',
        }),
      ]),
    );
    expect(seen.metrics.get('vault.client.logins')).toEqual([
      { attributes: { 'vault.login.reason': 'initial' }, value: 1 },
    ]);
    expect(seen.metrics.get('vault.client.secrets.cached')?.[0]?.value).toBe(2);
    expect(seen.metrics.get('vault.client.token.ttl')?.[0]?.value).toBeGreaterThan(3500);
    expect(lines).toContain('span GET {mount}/data/{name} (error)');
  });
});
