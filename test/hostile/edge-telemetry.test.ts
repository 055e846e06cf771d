import { describe, expect, it } from 'vitest';
import { routeTemplate } from '../../src/telemetry/route-template';

/*
 * README "Observability": "Paths never appear: every name, role, key and lease id becomes a
 * placeholder in the route template". Attacked with paths whose caller-chosen segments look like
 * secrets, sit where Vault's own words usually are, or are malformed: whatever the path, the
 * template holds only Vault's vocabulary and placeholders.
 */

const SECRETISH = [
  'hvs.CAESIJ0aXoKfakeTokenValue',
  's.abcdefghijklmnop',
  'sk_live_51Habcdefghijkl',
  'password=hunter2',
  'AKIAIOSFODNN7EXAMPLE',
  'database/creds/app/Lx7mq9fakeLeaseId',
  'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.sig',
  '%2e%2e',
  '..',
  '',
  ' ',
];

/** Every word a template may hold: Vault's API words, placeholders, nothing the caller chose. */
const VOCABULARY = new Set(
  (
    'sys auth token login data metadata delete undelete destroy subkeys creds static-creds rotate-role issue sign roles ' +
    'encrypt decrypt rewrap datakey hmac verify keys cert config leases renew revoke revoke-prefix revoke-force lookup ' +
    'health seal-status capabilities-self capabilities capabilities-accessor wrapping wrap unwrap mounts policies acl ' +
    'policy internal ui namespaces lookup-self renew-self revoke-self lookup-accessor renew-accessor revoke-accessor ' +
    'revoke-orphan create create-orphan accessors {mount} {name} {role} {key} {serial} {path} {lease_id}'
  ).split(' '),
);

function shapes(s: string): string[] {
  return [
    `secret/data/${s}`,
    `secret/${s}/data/${s}`,
    `${s}/data/${s}`,
    `${s}/creds/${s}`,
    `kv/${s}`,
    `${s}`,
    `auth/${s}/login`,
    `auth/${s}/role/${s}`,
    `auth/token/lookup/${s}`,
    `auth/token/${s}`,
    `sys/leases/renew/${s}`,
    `sys/leases/lookup/${s}`,
    `sys/policies/acl/${s}`,
    `sys/raw/${s}`,
    `sys/${s}`,
    `transit/encrypt/${s}`,
    `pki/cert/${s}`,
    `/${s}//${s}/`,
    `secret/metadata/${s}/${s}/${s}`,
    // Caller-chosen segments spelled like Vault's words, around a secret.
    `data/data/${s}`,
    `sys/leases/${s}/renew`,
    `auth/token/lookup-self/${s}`,
  ];
}

describe('edge: telemetry route templates never carry what the caller chose', () => {
  it.each(SECRETISH)('paths built around %j keep only Vault words and placeholders', (secret) => {
    for (const path of shapes(secret)) {
      const template = routeTemplate(path);
      const words = template.split('/').filter((w) => w !== '');
      const foreign = words.filter((w) => !VOCABULARY.has(w));
      expect([path, foreign]).toEqual([path, []]);
      if (secret.trim().length > 2) expect(template).not.toContain(secret);
    }
  });
});
