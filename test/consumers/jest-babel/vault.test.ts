import { expected, runScenario } from '../shared/scenario';

describe('vault-kubernetes-client under jest (babel-jest, CommonJS)', () => {
  it('logs in, reads, renews and closes against the mock Vault', async () => {
    expect(await runScenario()).toEqual(expected);
  });
});
