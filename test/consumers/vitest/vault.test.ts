import { describe, expect, it } from 'vitest';
import { expected, runScenario } from '../shared/scenario';

describe('vault-kubernetes-client under vitest', () => {
  it('logs in, reads, renews and closes against the mock Vault', async () => {
    expect(await runScenario()).toEqual(expected);
  });
});
