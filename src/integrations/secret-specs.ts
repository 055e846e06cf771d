import type { DataOf, Secret, StandardSchemaV1, VaultKubernetesClient } from 'vault-kubernetes-client';

/** A secret the integration needs: a Vault API path, or a path with a Standard Schema (zod, valibot, ...) and a body for POST reads. */
export type SecretSpec =
  | string
  | {
      readonly path: string;
      readonly schema?: StandardSchemaV1 | undefined;
      readonly body?: Record<string, unknown> | undefined;
    };

/** Secrets by the name the app uses for them, e.g. `{ db: { path: 'database/creds/app', schema: Db } }`. */
export type SecretSpecs = Readonly<Record<string, SecretSpec>>;

/** The managed secret a spec yields: typed by its schema, or a plain record without one. */
export type SecretOf<T> = T extends { readonly schema: infer S extends StandardSchemaV1 }
  ? Secret<DataOf<S>>
  : Secret<Record<string, unknown>>;

export type VaultSecrets<S extends SecretSpecs> = { readonly [K in keyof S]: SecretOf<S[K]> };

export interface NormalizedSpec {
  name: string;
  path: string;
  schema: StandardSchemaV1 | undefined;
  body: Record<string, unknown> | undefined;
}

export function normalizeSpecs(specs: SecretSpecs = {}): NormalizedSpec[] {
  return Object.entries(specs).map(([name, spec]) =>
    typeof spec === 'string'
      ? { name, path: spec, schema: undefined, body: undefined }
      : { name, path: spec.path, schema: spec.schema, body: spec.body },
  );
}

/** Which named secret failed, so a 503 can say so without repeating Vault's message. */
export class SecretUnavailable {
  constructor(
    readonly name: string,
    readonly error: unknown,
  ) {}
}

/** Every spec through `client.secret()`: cache hits resolve at once, misses share one Vault request. */
export async function loadSecrets(
  client: VaultKubernetesClient,
  specs: readonly NormalizedSpec[],
  call: { timeoutMs?: number; maxRetries?: number } = {},
): Promise<Record<string, Secret<unknown>>> {
  const loaded = await Promise.all(
    specs.map(async (spec) => {
      try {
        const secret = await client.secret(spec.path, {
          ...call,
          ...(spec.schema ? { schema: spec.schema } : {}),
          ...(spec.body ? { body: spec.body } : {}),
        });
        return [spec.name, secret] as const;
      } catch (error) {
        throw new SecretUnavailable(spec.name, error);
      }
    }),
  );
  return Object.fromEntries(loaded);
}
