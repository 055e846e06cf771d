// A mock Vault in its own child process, so that the server's work does not run on the event loop
// of the clients being timed. The parent talks to it over the IPC channel: the address and the
// service-account token file come back at start, and the audit log is queried by message.
//
//   const mock = await startMockProcess({ kvSecrets: 10_000 });
//   const before = await mock.count();            // requests seen on the wire so far
//   await mock.close();
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROLE = 'myapp-role';
export const CONFIG_PATH = 'secret/data/myapp/config';

const POLICY = [
  'path "secret/data/myapp/*" { capabilities = ["read"] }',
  'path "secret/metadata/myapp/*" { capabilities = ["read", "list"] }',
  'path "secret/data/bench/*" { capabilities = ["read"] }',
  'path "secret/metadata/bench/*" { capabilities = ["read", "list"] }',
].join('\n');

/** Starts the child and waits until the mock is configured. `kvSecrets` writes that many KV v2 secrets under `secret/data/bench/`. */
export function startMockProcess({ kvSecrets = 0 } = {}) {
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let seq = 0;
  const waiting = new Map();
  const call = (op, args = {}) =>
    new Promise((resolve, reject) => {
      const id = ++seq;
      waiting.set(id, { resolve, reject });
      child.send({ id, op, args });
    });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`mock process exited early (code ${code})`)));
    child.on('message', (message) => {
      if (message.ready) {
        resolve({
          ...message.ready,
          /** Requests clients sent over HTTP, optionally only those to one path. */
          count: (path) => call('count', { path }),
          /** Counts by path of every HTTP request so far. */
          countsByPath: () => call('countsByPath'),
          close: async () => {
            const exited = new Promise((done) => child.once('exit', done));
            await call('close');
            await exited;
          },
        });
        return;
      }
      const pending = waiting.get(message.id);
      waiting.delete(message.id);
      if (message.error) pending?.reject(new Error(message.error));
      else pending?.resolve(message.result);
    });
    child.send({ id: 0, op: 'start', args: { kvSecrets } });
  });
}

/** Child side: the mock, configured as the article has it, answering the parent's messages. */
async function serve() {
  const { startMockVault } = await import('../../dist/testing.js');
  let mock;
  process.on('message', async ({ id, op, args }) => {
    try {
      if (op === 'start') {
        mock = await startMockVault();
        await mock.setupKubernetesAuth();
        await mock.write('sys/policies/acl/myapp-policy', { policy: POLICY });
        await mock.write(CONFIG_PATH, { data: { username: 'app-user', password: 'kv-password-value-1' } });
        for (let i = 0; i < args.kvSecrets; i++) {
          await mock.write(`secret/data/bench/s${String(i).padStart(5, '0')}`, {
            data: { username: `user-${i}`, password: `password-value-${i}` },
          });
        }
        const tokenPath = await mock.cluster.writeToken({
          namespace: 'default',
          serviceAccount: 'myapp-sa',
          expiresIn: 86400,
        });
        process.send({ ready: { address: mock.address, rootToken: mock.rootToken, tokenPath } });
        return;
      }
      let result;
      if (op === 'count') result = mock.audit.count(args.path ? { path: args.path } : {});
      if (op === 'countsByPath') {
        result = {};
        for (const entry of mock.audit.entries()) result[entry.path] = (result[entry.path] ?? 0) + 1;
      }
      if (op === 'close') {
        await mock.close();
        process.send({ id, result: true });
        process.disconnect();
        return;
      }
      process.send({ id, result });
    } catch (error) {
      process.send({ id, error: String(error?.stack ?? error) });
    }
  });
  // The parent died without closing: do not outlive it.
  process.on('disconnect', () => {
    void mock?.close().finally(() => process.exit(0));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === '--serve') await serve();
