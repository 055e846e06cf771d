import { type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, createToken, DENIED, expectErrors } from './support/vault';

/*
 * sys/host-info (logical_system.go handleHostInfo, hostutil.CollectHostInfo), sys/internal/
 * counters/tokens (counters.go countActiveTokens) and sys/metrics (handleMetrics,
 * metricsutil.ResponseForFormat: "prometheus is not enabled" without prometheus_retention_time).
 */
let mock: MockVault;
beforeEach(async () => {
  mock = await startMockVault();
});
afterEach(async () => {
  await mock.close();
});

describe('sys endpoints about the server', () => {
  it("host-info describes the host in hostutil's shape, to a token that may read it", async () => {
    const res = await call(mock, 'GET', 'sys/host-info');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.data).sort()).toEqual([
      'cpu',
      'cpu_times',
      'disk',
      'host',
      'memory',
      'timestamp',
    ]);
    expect(res.body.data.host).toMatchObject({ hostname: expect.any(String), os: process.platform });
    expect(res.body.data.memory.total).toBeGreaterThan(0);
    expectErrors(
      await call(mock, 'GET', 'sys/host-info', undefined, { token: await createToken(mock, ['default']) }),
      403,
      [DENIED],
    );
  });

  it('counts the service tokens there are, batch tokens aside', async () => {
    const count = async () => (await call(mock, 'GET', 'sys/internal/counters/tokens')).body.data.counters;
    expect(await count()).toEqual({ service_tokens: { total: 1 } });
    await createToken(mock, ['default']);
    await createToken(mock, ['default'], { type: 'batch' });
    expect(await count()).toEqual({ service_tokens: { total: 2 } });
  });

  it('reports metrics as go-metrics JSON, and refuses Prometheus, which is not enabled', async () => {
    const json = await call(mock, 'GET', 'sys/metrics');
    expect(json.headers.get('content-type')).toBe('application/json');
    expect(json.body).toMatchObject({
      Timestamp: expect.stringMatching(/ \+0000 UTC$/),
      Counters: [],
      Samples: [],
    });
    expect(json.body.Gauges).toContainEqual({ Name: 'vault.core.unsealed', Value: 1, Labels: {} });
    const prometheus = await call(mock, 'GET', 'sys/metrics?format=prometheus');
    expect([prometheus.status, prometheus.text, prometheus.headers.get('content-type')]).toEqual([
      400,
      'prometheus is not enabled',
      'text/plain',
    ]);
  });
});
