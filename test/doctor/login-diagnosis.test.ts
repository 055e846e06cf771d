import { afterEach, describe, expect, it } from 'vitest';
import { check, type DoctorBench, doctorBench, expectNoSecrets } from './support';

let bench: DoctorBench | undefined;
afterEach(async () => {
  await bench?.close();
  bench = undefined;
});

const args = (b: DoctorBench, ...more: string[]) => [
  '--role',
  'myapp-role',
  '--token-path',
  b.tokenPath,
  ...more,
];

describe('doctor: a refused login, diagnosed', () => {
  it('a role that does not exist', async () => {
    bench = await doctorBench();
    const { report, skipped } = await bench.run(['--role', 'no-such-role', '--token-path', bench.tokenPath]);
    expect(check(report, 'login')).toMatchObject({
      ok: false,
      summary: expect.stringMatching(
        /role "no-such-role" at auth\/kubernetes \(invalid role name "no-such-role"\): no role of that name exists/,
      ),
      fix: expect.stringMatching(
        /vault write auth\/kubernetes\/role\/no-such-role bound_service_account_names=myapp-sa bound_service_account_namespaces=default/,
      ),
    });
    expect(skipped).toEqual(expect.arrayContaining(['policies', 'token-ttl']));
  });

  it('a service account, or a namespace, the role does not bind', async () => {
    bench = await doctorBench();
    await bench.mock.write('auth/kubernetes/role/myapp-role', { bound_service_account_names: 'billing-sa' });
    const name = await bench.run(args(bench));
    expect(check(name.report, 'login')).toMatchObject({
      summary: expect.stringMatching(/bound_service_account_names do not include "myapp-sa"/),
      fix: expect.stringMatching(
        /add "myapp-sa" to bound_service_account_names of auth\/kubernetes\/role\/myapp-role/,
      ),
    });
    await bench.mock.write('auth/kubernetes/role/myapp-role', {
      bound_service_account_names: 'myapp-sa',
      bound_service_account_namespaces: 'prod',
    });
    const namespace = await bench.run(args(bench));
    expect(check(namespace.report, 'login')).toMatchObject({
      summary: expect.stringMatching(/bound_service_account_namespaces do not include "default"/),
      fix: expect.stringMatching(/add "default" to bound_service_account_namespaces/),
    });
  });

  it('an audience or issuer mismatch names what the JWT carries', async () => {
    bench = await doctorBench({ role: { audience: 'vault' } });
    const audience = await bench.run(args(bench));
    expect(check(audience.report, 'login')).toMatchObject({
      summary: expect.stringMatching(
        /the role's audience is not among the JWT's \["https:\/\/kubernetes\.default\.svc\.cluster\.local"\]/,
      ),
      fix: expect.stringMatching(/projected serviceAccountToken with the role's audience/),
    });
    await bench.mock.write('auth/kubernetes/role/myapp-role', { audience: '' });
    await bench.mock.write('auth/kubernetes/config', {
      kubernetes_host: bench.mock.cluster.host,
      issuer: 'https://oidc.eks.example/id/ABC',
      disable_iss_validation: false,
    });
    const issuer = await bench.run(args(bench));
    // The mock cluster's issuer is its loopback OIDC URL, as a managed cluster's is a public URL.
    const iss = bench.mock.cluster.issuer;
    expect(check(issuer.report, 'login')).toMatchObject({
      summary: expect.stringContaining(`issuer in auth/kubernetes/config is not the JWT's "${iss}"`),
      fix: expect.stringContaining(`set issuer="${iss}"`),
    });
  });

  it('an auth method mounted but never configured', async () => {
    bench = await doctorBench({ setup: false });
    await bench.mock.write('sys/auth/kubernetes', { type: 'kubernetes' });
    await bench.mock.write('auth/kubernetes/role/myapp-role', {
      bound_service_account_names: 'myapp-sa',
      bound_service_account_namespaces: 'default',
    });
    const { report } = await bench.run(args(bench));
    expect(check(report, 'login')).toMatchObject({
      summary: expect.stringMatching(/mounted but not configured/),
      fix: expect.stringMatching(/vault write auth\/kubernetes\/config kubernetes_host=/),
    });
  });

  it('"permission denied" from a mount path nothing handles: the probe finds no auth method there', async () => {
    bench = await doctorBench();
    const { report } = await bench.run(args(bench, '--mount', 'k8s-east'));
    expect(check(report, 'login')).toMatchObject({
      summary: expect.stringMatching(/\(permission denied\): no auth method is mounted at auth\/k8s-east/),
      fix: expect.stringMatching(/vault auth enable -path=k8s-east kubernetes/),
    });
    expect(check(report, 'auth-mount').ok).toBe(false);
  });

  it("Vault's token reviewer without system:auth-delegator: the cluster accepts the pod's token, so the reviewer is named", async () => {
    bench = await doctorBench();
    bench.mock.cluster.removeAuthDelegator('vault', 'vault');
    const api = await bench.mock.cluster.startApiServer();
    const { report } = await bench.run(args(bench, '--kubernetes-host', api.url));
    expect(check(report, 'auth-mount').ok).toBe(true);
    expect(check(report, 'kubernetes-api')).toMatchObject({
      ok: true,
      summary: expect.stringMatching(/accepts this pod's token; it may create TokenReviews/),
    });
    const login = check(report, 'login');
    expect(login.summary).toMatch(
      /Vault's own TokenReview call was refused: Vault's token reviewer lacks the system:auth-delegator role\.$/,
    );
    expect(login.fix).toMatch(/kubectl create clusterrolebinding .* --clusterrole=system:auth-delegator/);
  });

  it("no token_reviewer_jwt and a pod account without system:auth-delegator: doctor says Vault reviews with the pod's own token", async () => {
    bench = await doctorBench();
    await bench.mock.write('auth/kubernetes/config', { kubernetes_host: bench.mock.cluster.host });
    bench.mock.cluster.removeAuthDelegator('default', 'myapp-sa');
    const api = await bench.mock.cluster.startApiServer();
    const { report } = await bench.run(args(bench, '--kubernetes-host', api.url));
    expect(check(report, 'kubernetes-api').summary).toMatch(/may not create TokenReviews/);
    expect(check(report, 'login')).toMatchObject({
      summary: expect.stringMatching(
        /Vault reviews with this pod's own token, and default:myapp-sa may not create TokenReviews either/,
      ),
      fix: expect.stringMatching(/or bind default:myapp-sa the same way/),
    });
  });

  it('a deleted (or recreated) service account: the API refuses the token, and the diagnosis quotes Vault', async () => {
    bench = await doctorBench();
    bench.mock.cluster.deleteServiceAccount('default', 'myapp-sa');
    const api = await bench.mock.cluster.startApiServer();
    const { report, text, json } = await bench.run(args(bench, '--kubernetes-host', api.url));
    expectNoSecrets(bench, text, json);
    expect(check(report, 'kubernetes-api')).toMatchObject({
      ok: false,
      summary: expect.stringMatching(/401 Unauthorized/),
    });
    const login = check(report, 'login');
    expect(login.summary).toContain(
      '"lookup failed: service account unauthorized; this could mean it has been deleted or recreated with a new token"',
    );
    expect(login.fix).toMatch(/restart the pod so kubelet mounts a token for the current one/);
  });

  it('"permission denied" with no Kubernetes API to ask lists the usual causes, most likely first', async () => {
    bench = await doctorBench();
    bench.mock.cluster.deleteServiceAccount('default', 'myapp-sa');
    const { report } = await bench.run(args(bench), { env: { KUBERNETES_SERVICE_HOST: undefined } });
    const login = check(report, 'login');
    expect(login.summary).toMatch(
      /Vault could not verify the JWT with the cluster \(the Kubernetes API could not be asked: not running in a pod/,
    );
    expect(login.summary).toMatch(
      /token reviewer lacks system:auth-delegator; the service account default:myapp-sa was deleted or recreated/,
    );
    expect(login.fix).toMatch(/--kubernetes-host/);
  });

  it('a token for another audience is not shown to the API server as evidence', async () => {
    bench = await doctorBench({ role: { audience: 'vault' } });
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      bench.tokenPath,
      await bench.mock.cluster.mintToken({ serviceAccount: 'myapp-sa', audiences: ['vault'] }),
    );
    bench.mock.cluster.deleteServiceAccount('default', 'myapp-sa');
    const api = await bench.mock.cluster.startApiServer();
    const { report } = await bench.run(args(bench, '--kubernetes-host', api.url));
    expect(report.checks.some((c) => c.id === 'kubernetes-api')).toBe(false);
    expect(check(report, 'login').summary).toMatch(/audience \["vault"\] is not the API server's/);
  });
});

describe('doctor: what the token may do', () => {
  it('only the default policy fails policies; a denied path gets the KV v2 data/ hint both ways', async () => {
    bench = await doctorBench();
    await bench.mock.write('sys/policies/acl/plain-policy', {
      policy: 'path "secret/legacy/*" { capabilities = ["read"] }',
    });
    await bench.mock.write('auth/kubernetes/role/myapp-role', {
      token_policies: 'myapp-policy,plain-policy',
    });
    const { report } = await bench.run(
      args(
        bench,
        '--path',
        'secret/myapp/config',
        '--path',
        'secret/data/legacy/db',
        '--path',
        'secret/data/other/x',
      ),
    );
    expect(check(report, 'path:secret/myapp/config')).toMatchObject({
      ok: false,
      summary: 'the token has no capability on secret/myapp/config, but has read on secret/data/myapp/config',
      fix: expect.stringMatching(/use secret\/data\/myapp\/config/),
    });
    expect(check(report, 'path:secret/data/legacy/db')).toMatchObject({
      ok: false,
      summary: expect.stringMatching(
        /but has read on secret\/legacy\/db: its policy names the path without data\//,
      ),
    });
    expect(check(report, 'path:secret/data/other/x')).toMatchObject({
      ok: false,
      summary: "permission denied on secret/data/other/x: none of the token's policies grants anything there",
    });
    await bench.mock.write('auth/kubernetes/role/myapp-role', { token_policies: '' });
    const bare = await bench.run(args(bench));
    expect(check(bare.report, 'policies')).toMatchObject({
      ok: false,
      summary: 'the token carries only the default policy, which reads no secrets',
      fix: "attach the app's policies: vault write auth/kubernetes/role/myapp-role token_policies=<policies>",
    });
  });

  it('a TTL under a minute fails token-ttl; TTL equal to max TTL says renewals cannot extend it', async () => {
    bench = await doctorBench({ role: { token_ttl: '30s', token_max_ttl: '30s' } });
    const short = await bench.run(args(bench));
    expect(check(short.report, 'token-ttl')).toMatchObject({
      ok: false,
      summary: expect.stringMatching(/lives 30 s/),
    });
    await bench.mock.write('auth/kubernetes/role/myapp-role', { token_ttl: '1h', token_max_ttl: '1h' });
    const capped = await bench.run(args(bench));
    expect(check(capped.report, 'token-ttl')).toMatchObject({
      ok: true,
      summary: expect.stringMatching(
        /TTL 1 h and max TTL the same: renewals cannot extend it, so the client logs in again about every 40 min/,
      ),
    });
    await bench.mock.write('auth/kubernetes/role/myapp-role', { token_type: 'batch', token_max_ttl: '2h' });
    const batch = await bench.run(args(bench));
    expect(check(batch.report, 'token-ttl').summary).toMatch(/cannot be renewed \(a batch token\)/);
  });
});

describe('doctor: a token without the default policy', () => {
  it('still reports the login and the TTL, and says why capabilities-self is refused', async () => {
    bench = await doctorBench({ role: { token_no_default_policy: true } });
    const { report } = await bench.run(args(bench, '--path', 'secret/data/myapp/config'));
    expect(check(report, 'login').ok).toBe(true);
    expect(check(report, 'path:secret/data/myapp/config')).toMatchObject({
      ok: false,
      summary: expect.stringMatching(/^sys\/capabilities-self failed: /),
      fix: expect.stringMatching(/token_no_default_policy/),
    });
    expect(check(report, 'token-ttl').summary).toMatch(/^TTL 1 h, renewable/);
  });
});
