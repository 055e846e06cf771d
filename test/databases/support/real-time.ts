import { ManualClock, type MockVault, startMockVault } from 'vault-kubernetes-client/testing';

/**
 * A mock Vault whose clock follows the wall clock, for the load runs: the client uses real
 * timers and real databases, so Vault's leases must end in real time too. The ManualClock is
 * moved to the wall clock's time every few milliseconds (one move at a time), which also fires
 * the engine's own timers (users dropped at their lease's end).
 */
export async function startRealTimeMock(): Promise<{ mock: MockVault; stop(): Promise<void> }> {
  const clock = new ManualClock(Date.now());
  const mock = await startMockVault({ clock });
  let moving: Promise<void> = Promise.resolve();
  let stopped = false;
  const ticker = setInterval(() => {
    moving = moving.then(() => (stopped ? undefined : clock.advanceTo(Math.max(clock.now(), Date.now()))));
  }, 20);
  return {
    mock,
    async stop() {
      stopped = true;
      clearInterval(ticker);
      await moving;
      await mock.close();
    },
  };
}

/** Kubernetes auth with a short token (re-login at its max TTL) and a database role with short leases. */
export async function configureShortLived(
  mock: MockVault,
  options: { tokenTtl: string; tokenMaxTtl: string; policy: string },
): Promise<string> {
  await mock.setupKubernetesAuth({
    policies: ['db-app'],
    roleFields: { token_ttl: options.tokenTtl, token_max_ttl: options.tokenMaxTtl, ttl: undefined },
  });
  await mock.write('sys/policies/acl/db-app', { policy: options.policy });
  return mock.cluster.writeToken({ namespace: 'default', serviceAccount: 'myapp-sa', expiresIn: 86_400 });
}
