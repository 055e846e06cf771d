import { DEFAULT_TOKEN_PATH } from '../options';

/** What `doctor` was asked to check, from its command line. */
export interface DoctorOptions {
  /** The Kubernetes auth role; without one, doctor checks the token in VAULT_TOKEN instead of a login. */
  role: string | undefined;
  mount: string;
  tokenPath: string;
  /** Paths to run `sys/capabilities-self` on, in the order given. */
  paths: string[];
  json: boolean;
  /** The Kubernetes API, to tell a deleted service account from a reviewer without permission. */
  kubernetesHost: string | undefined;
}

const VALUED = new Set(['role', 'mount', 'token-path', 'path', 'kubernetes-host']);

/**
 * `--name value` and `--name=value`; `--path` may repeat. Unknown flags are an error rather than
 * ignored: a misspelt `--rol` must not turn into a run that checks something else.
 */
export function parseDoctorArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>) {
  const values = new Map<string, string[]>();
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new Error(`doctor: unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (name === 'json' && eq === -1) {
      json = true;
      continue;
    }
    if (!VALUED.has(name)) throw new Error(`doctor: unknown option --${name}`);
    let value: string | undefined = eq === -1 ? argv[i + 1] : arg.slice(eq + 1);
    if (eq === -1) {
      if (value === undefined || value.startsWith('--')) throw new Error(`doctor: --${name} needs a value`);
      i++;
    }
    value = value!.trim();
    if (value === '') throw new Error(`doctor: --${name} needs a value`);
    values.set(name, [...(values.get(name) ?? []), value]);
  }
  const one = (name: string): string | undefined => {
    const given = values.get(name);
    if (given && given.length > 1) throw new Error(`doctor: --${name} was given ${given.length} times`);
    return given?.[0];
  };
  const options: DoctorOptions = {
    role: one('role'),
    mount: (one('mount') ?? 'kubernetes').replace(/^\/+|\/+$/g, '').replace(/^auth\//, '') || 'kubernetes',
    tokenPath: one('token-path') ?? DEFAULT_TOKEN_PATH,
    paths: values.get('path') ?? [],
    json,
    kubernetesHost: one('kubernetes-host') ?? inClusterApi(env),
  };
  return options;
}

/** How a pod finds its API server: the variables kubelet sets in every container. */
export function inClusterApi(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const host = env.KUBERNETES_SERVICE_HOST?.trim();
  if (!host) return undefined;
  const port = env.KUBERNETES_SERVICE_PORT?.trim() || '443';
  return `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
