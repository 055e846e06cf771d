import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The openssl CLI as an independent oracle: it makes the CSRs and CA bundles the mock is handed
 * (so the mock's own x509 writer is not what its reader is tested against) and verifies chains.
 */
function inTempDir<T>(work: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'mock-pki-'));
  try {
    return work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export type OpensslKey = 'ec-256' | 'ec-384' | 'rsa-2048' | 'rsa-1024' | 'ed25519';

function keyArgs(key: OpensslKey): string[] {
  if (key === 'ec-256') return ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  if (key === 'ec-384') return ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'];
  if (key === 'rsa-2048') return ['-newkey', 'rsa:2048'];
  if (key === 'rsa-1024') return ['-newkey', 'rsa:1024'];
  return ['-newkey', 'ed25519'];
}

/** A CSR from `openssl req`: subject as `/CN=a/O=b`, extensions as `-addext` values. */
export function opensslCsr(options: { key?: OpensslKey; subject: string; addext?: string[] }): {
  csr: string;
  privateKey: string;
} {
  return inTempDir((dir) => {
    const args = ['req', '-new', '-nodes', ...keyArgs(options.key ?? 'ec-256')];
    args.push('-keyout', join(dir, 'key.pem'), '-out', join(dir, 'req.pem'), '-subj', options.subject);
    for (const ext of options.addext ?? []) args.push('-addext', ext);
    execFileSync('openssl', args, { stdio: 'pipe' });
    return {
      csr: readFileSync(join(dir, 'req.pem'), 'utf8'),
      privateKey: readFileSync(join(dir, 'key.pem'), 'utf8'),
    };
  });
}

/** A self-signed CA from `openssl req -x509`, as an operator brings one to `config/ca`. */
export function opensslRootCa(subject: string, days = 3650): { certificate: string; privateKey: string } {
  return inTempDir((dir) => {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-nodes',
        ...keyArgs('ec-256'),
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'ca.pem'),
        '-subj',
        subject,
        '-days',
        String(days),
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ],
      { stdio: 'pipe' },
    );
    return {
      certificate: readFileSync(join(dir, 'ca.pem'), 'utf8'),
      privateKey: readFileSync(join(dir, 'key.pem'), 'utf8'),
    };
  });
}

/** `openssl verify` of a leaf against a root, with intermediates given as untrusted: its output. */
export function opensslVerify(root: string, leaf: string, intermediates: string[] = [], at?: number): string {
  return inTempDir((dir) => {
    writeFileSync(join(dir, 'root.pem'), root);
    writeFileSync(join(dir, 'leaf.pem'), leaf);
    const args = ['verify', '-CAfile', join(dir, 'root.pem')];
    // The mock's clock, when it has moved ahead of the wall clock.
    if (at !== undefined) args.push('-attime', String(Math.floor(at / 1000)));
    if (intermediates.length > 0) {
      writeFileSync(join(dir, 'int.pem'), intermediates.join('\n'));
      args.push('-untrusted', join(dir, 'int.pem'));
    }
    try {
      return String(execFileSync('openssl', [...args, join(dir, 'leaf.pem')], { stdio: 'pipe' }));
    } catch (error) {
      return (
        String((error as { stdout?: Buffer }).stdout ?? '') +
        String((error as { stderr?: Buffer }).stderr ?? '')
      );
    }
  });
}
