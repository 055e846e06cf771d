/**
 * The Vault setup a Kubernetes app needs, as data: Kubernetes auth and its config, a policy, a
 * role bound to the app's service account, a KV v2 secret and a database engine with a role.
 * `mock-vault` prints it as `vault` CLI commands or as curl commands, with the real values
 * (address, CA file, service account), so it can be pasted into a shell as is.
 */
export interface SetupValues {
  /** The Kubernetes CA certificate file (what `kubernetes_ca_cert=@file` reads). */
  caFile: string;
  /** Its PEM text, for the curl form (a JSON body cannot point at a file). */
  caPem: string;
  namespace: string;
  serviceAccount: string;
  /**
   * The database the engine manages. Default: the mock's in-memory database (explicitly chosen,
   * since a `postgresql-database-plugin` config connects to a real server and Vault refuses the
   * write when it does not answer). Pass a real one to show a real database.
   */
  database?: { plugin_name: string; connection_url: string; username: string; password: string };
}

/** One call to Vault's HTTP API, with the `vault` CLI command that makes the same call. */
export interface SetupStep {
  comment: string;
  method: 'POST' | 'PUT';
  path: string;
  body: Record<string, unknown>;
  /** Arguments of the `vault` command; a `stdin` text is fed as a heredoc. */
  vault: { args: string[]; stdin?: string };
}

export const ROLE = 'myapp-role';
export const POLICY = 'myapp-policy';

export function setupSteps(values: SetupValues): SetupStep[] {
  const policy = [
    'path "secret/data/myapp/*" { capabilities = ["read"] }',
    'path "database/creds/app"  { capabilities = ["read"] }',
    'path "sys/leases/revoke"   { capabilities = ["update"] }',
  ].join('\n');
  const role = {
    bound_service_account_names: values.serviceAccount,
    bound_service_account_namespaces: values.namespace,
    policies: POLICY,
    ttl: '1h',
    max_ttl: '24h',
  };
  const kubernetesConfig = { kubernetes_host: 'https://kubernetes.default.svc' };
  const database = {
    ...(values.database ?? {
      plugin_name: 'in-memory-database-plugin',
      connection_url: 'postgresql://{{username}}:{{password}}@postgres:5432/app',
      username: 'vault',
      password: 'vault-root-password',
    }),
    allowed_roles: 'app',
  };
  const databaseRole = {
    db_name: 'postgres',
    creation_statements: `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
    default_ttl: '1h',
    max_ttl: '4h',
  };
  const config = { data: { api_url: 'https://api.example.com', feature_flag: 'on' } };
  return [
    {
      comment: 'Kubernetes auth: pods log in with their service-account token',
      method: 'POST',
      path: 'sys/auth/kubernetes',
      body: { type: 'kubernetes' },
      vault: { args: ['auth', 'enable', 'kubernetes'] },
    },
    {
      comment: "where the cluster's API server is, and the CA that signed its certificate",
      method: 'POST',
      path: 'auth/kubernetes/config',
      body: { ...kubernetesConfig, kubernetes_ca_cert: values.caPem },
      vault: {
        args: [
          'write',
          'auth/kubernetes/config',
          ...pairs(kubernetesConfig),
          `kubernetes_ca_cert=@${values.caFile}`,
        ],
      },
    },
    {
      comment: 'what the app may read',
      method: 'PUT',
      path: `sys/policies/acl/${POLICY}`,
      body: { policy },
      vault: { args: ['policy', 'write', POLICY, '-'], stdin: policy },
    },
    {
      comment: `who gets that policy: the service account ${values.namespace}/${values.serviceAccount}`,
      method: 'POST',
      path: `auth/kubernetes/role/${ROLE}`,
      body: role,
      vault: { args: ['write', `auth/kubernetes/role/${ROLE}`, ...pairs(role)] },
    },
    {
      comment: 'a KV v2 secret (`vault kv put secret/myapp/config ...` on a real Vault)',
      method: 'POST',
      path: 'secret/data/myapp/config',
      body: config,
      vault: { args: ['write', 'secret/data/myapp/config', '-'], stdin: JSON.stringify(config) },
    },
    {
      comment: 'the database engine: it creates a database user on demand, with a lease',
      method: 'POST',
      path: 'sys/mounts/database',
      body: { type: 'database' },
      vault: { args: ['secrets', 'enable', 'database'] },
    },
    {
      comment: 'a database connection (the mock simulates it; nothing connects)',
      method: 'POST',
      path: 'database/config/postgres',
      body: database,
      vault: { args: ['write', 'database/config/postgres', ...pairs(database)] },
    },
    {
      comment: 'a role whose credentials live 1 h, renewable up to 4 h',
      method: 'POST',
      path: 'database/roles/app',
      body: databaseRole,
      vault: { args: ['write', 'database/roles/app', ...pairs(databaseRole)] },
    },
  ];
}

function pairs(fields: Record<string, string>): string[] {
  return Object.entries(fields).map(([key, value]) => `${key}=${value}`);
}

/** POSIX shell quoting: bare when safe, else single quotes (a `'` inside becomes `'\''`). */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The steps as `vault` commands, for a shell with VAULT_ADDR and VAULT_TOKEN exported. */
export function renderVault(steps: readonly SetupStep[]): string {
  return steps
    .map((step) => {
      const command = `vault ${step.vault.args.map(shellQuote).join(' ')}`;
      const body = step.vault.stdin === undefined ? command : `${command} <<'EOF'\n${step.vault.stdin}\nEOF`;
      return `# ${step.comment}\n${body}`;
    })
    .join('\n');
}

/**
 * The steps as curl commands, for a shell with VAULT_ADDR and VAULT_TOKEN exported (and
 * VAULT_CACERT, VAULT_CLIENT_CERT, VAULT_CLIENT_KEY over TLS, as the vault CLI reads them).
 */
export function renderCurl(
  steps: readonly SetupStep[],
  tls: { ca?: boolean; client?: boolean } = {},
): string {
  const certs = [
    ...(tls.ca ? ['--cacert "$VAULT_CACERT"'] : []),
    ...(tls.client ? ['--cert "$VAULT_CLIENT_CERT" --key "$VAULT_CLIENT_KEY"'] : []),
  ];
  return steps
    .map(
      (step) =>
        `# ${step.comment}\ncurl -sSf ${[...certs, ''].join(' ')}-X ${step.method} -H "X-Vault-Token: $VAULT_TOKEN" ` +
        `"$VAULT_ADDR/v1/${step.path}" --data ${shellQuote(JSON.stringify(step.body))}`,
    )
    .join('\n');
}
