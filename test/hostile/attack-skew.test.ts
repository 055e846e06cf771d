import { X509Certificate } from 'node:crypto';
import { VaultResponseShapeError } from 'vault-kubernetes-client';
import { ManualClock } from 'vault-kubernetes-client/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { CertificateAuthority } from '../../src/testing/x509/certificates';
import {
  type Answer,
  kvAnswer,
  loginAnswer,
  type ScriptedVault,
  scriptedClient,
  startScriptedVault,
} from './upkeep-server';

/*
 * The skew between the pod's clock and Vault's is measured from Vault's Date headers and corrects
 * every expiry Vault states on its own clock (a certificate's `expiration`). A Date header that is
 * absurd (a proxy's, a Vault with a dead clock battery) must never stretch a certificate past its
 * real end: the certificate's own lifetime (notAfter - notBefore) bounds it.
 */

let vault: ScriptedVault | undefined;
afterEach(async () => {
  await vault?.close();
  vault = undefined;
});

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** When a PEM certificate ends, read from the certificate. */
const endOf = (pem: unknown) => Date.parse(new X509Certificate(String(pem)).validTo);

const ca = CertificateAuthority.create({
  commonName: 'Skew Root',
  notBefore: new Date(Date.now() - HOUR),
  notAfter: new Date(Date.now() + 1_000 * HOUR),
});

/** A Vault whose clock is the pod's, but whose Date header says `dateHeader`; it issues 1-hour certificates. */
async function vaultWithDate(clock: ManualClock, dateHeader: string): Promise<ScriptedVault> {
  return startScriptedVault(({ path }): Answer => {
    const answer = path.endsWith('/login') ? loginAnswer() : undefined;
    if (answer && answer !== 'hang') return { ...answer, headers: { ...answer.headers, date: dateHeader } };
    if (path !== 'pki/issue/web') return { status: 404, body: { errors: [] } };
    const notBefore = new Date(clock.now() - 30_000);
    const notAfter = new Date(clock.now() + HOUR);
    const issued = ca.issue({ commonName: 'web.example.com', notBefore, notAfter });
    const reply = kvAnswer({
      certificate: issued.certificate,
      private_key: issued.privateKey,
      serial_number: issued.serialNumber,
      expiration: Math.floor(notAfter.getTime() / 1000),
    });
    return reply === 'hang' ? reply : { ...reply, headers: { date: dateHeader } };
  });
}

describe('a Date header far off never stretches a certificate past its end', () => {
  it.each([
    ['1970 (a clock reset to the epoch)', new Date(0).toUTCString()],
    ['a year behind', new Date(Date.now() - 365 * 24 * HOUR).toUTCString()],
  ])(
    'Vault`s Date says %s: the 1-hour certificate is re-issued before its real end, and never served after it',
    async (_name, date) => {
      const clock = new ManualClock();
      vault = await vaultWithDate(clock, date);
      const client = scriptedClient(vault, clock);
      const body = { common_name: 'web.example.com' };
      const first = await client.secret('pki/issue/web', { body });
      const firstEnd = endOf(first.data.certificate);
      // Walk past the first certificate's real end, asking every minute as an app would.
      for (let t = 0; t < 70; t++) {
        await clock.advance(MINUTE);
        const served = await client.secret('pki/issue/web', { body });
        const end = endOf(served.data.certificate);
        expect(end, `minute ${t + 1}: a certificate past its end was served`).toBeGreaterThan(clock.now());
      }
      // It was renewed (re-issued) on its own schedule, not once per call.
      const issued = vault.requests.filter((r) => r.path === 'pki/issue/web').length;
      expect(issued).toBeGreaterThanOrEqual(2);
      expect(issued).toBeLessThanOrEqual(4);
      expect(firstEnd).toBeLessThanOrEqual(clock.now());
      await client.close();
    },
  );
});

describe('durations no Vault can state are a shape error, not a date past what a Date holds', () => {
  it.each([
    ['2^53 - 1 seconds', Number.MAX_SAFE_INTEGER],
    ['one past Go`s longest duration', 9_223_372_037],
  ])('lease_duration of %s: VaultResponseShapeError naming the field', async (_name, seconds) => {
    const clock = new ManualClock();
    vault = await startScriptedVault(({ path }): Answer => {
      if (path.endsWith('/login')) return loginAnswer();
      return {
        status: 200,
        body: {
          request_id: 'r',
          lease_id: 'database/creds/app/1',
          renewable: true,
          lease_duration: seconds,
          data: { username: 'u', password: 'p' },
        },
      };
    });
    const client = scriptedClient(vault, clock);
    const error = await client.secret('database/creds/app').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultResponseShapeError);
    expect((error as Error).message).toMatch(/lease_duration/);
    expect((error as Error).message).not.toMatch(/\bp\b.*password|"p"/);
    await client.close();
  });
});
