import { X509Certificate } from 'node:crypto';
import { type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterEach, beforeEach, expect } from 'vitest';
import { call } from './vault';

/**
 * A fresh mock per test with a `pki` mount (max TTL ten years), closed after it. `mock()` is the
 * current one; `setupCa()` generates its EC root over HTTP and returns the root certificate.
 */
export function usePkiMock(): { mock: () => MockVault; setupCa: (ttl?: string) => Promise<X509Certificate> } {
  let current: MockVault | undefined;
  beforeEach(async () => {
    current = await startMockVault();
    await current.write('sys/mounts/pki', { type: 'pki', config: { max_lease_ttl: '87600h' } });
  });
  afterEach(async () => {
    await current?.close();
  });
  const mock = () => {
    if (!current) throw new Error('usePkiMock: no mock outside a test');
    return current;
  };
  const setupCa = async (ttl = '87600h') => {
    const root = await call(mock(), 'POST', 'pki/root/generate/internal', {
      common_name: 'example.com',
      ttl,
      key_type: 'ec',
    });
    expect(root.status).toBe(200);
    return new X509Certificate(root.body.data.certificate);
  };
  return { mock, setupCa };
}
