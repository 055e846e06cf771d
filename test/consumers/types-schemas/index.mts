// Compiles only if each library's schema is accepted and `data` is the schema's output type (a
// transform's output, never `any`: the @ts-expect-error lines fail if it were).
import * as v from 'valibot';
import { VaultKubernetesClient } from 'vault-kubernetes-client';
import { z } from 'zod';
import { z as z4 } from 'zod4';

const vault = new VaultKubernetesClient({ address: 'http://127.0.0.1:8200' });

export async function zod3(): Promise<number> {
  const Db = z.object({ username: z.string(), port: z.string().transform(Number) });
  const db = await vault.secret('database/creds/app', { schema: Db });
  const port: number = db.data.port;
  // @ts-expect-error: port is a number after the transform
  const wrong: string = db.data.port;
  const read = await vault.read('secret/data/x', { schema: Db });
  return port + read.data.port + wrong.length;
}

export async function zod4(): Promise<string> {
  const Db = z4.object({ username: z4.string(), password: z4.string() });
  const db = await vault.secret('database/creds/app', { schema: Db });
  // @ts-expect-error: no such field
  db.data.nope;
  return db.data.username;
}

export async function valibot(): Promise<Date> {
  const Cert = v.object({
    expiration: v.pipe(
      v.number(),
      v.transform((s) => new Date(s * 1000)),
    ),
  });
  const cert = await vault.secret('pki/issue/web', { schema: Cert, body: { common_name: 'a.example.com' } });
  const stop = vault.watch(
    'database/creds/app',
    (secret) => {
      secret.data.expiration.getTime();
    },
    { schema: Cert },
  );
  stop();
  return cert.data.expiration;
}

export async function noSchema(): Promise<unknown> {
  const plain = await vault.secret('secret/data/x');
  // @ts-expect-error: without a schema, data values are unknown, not any
  const s: string = plain.data.anything;
  return s;
}
