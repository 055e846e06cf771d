import { lookup } from 'node:dns/promises';
import { connect, isIP, type Socket } from 'node:net';
import { type CheckResult, fail, pass } from '../check';

export interface Endpoint {
  address: string;
  protocol: 'http:' | 'https:';
  host: string;
  port: number;
}

export function endpointOf(address: string): Endpoint {
  const url = new URL(address);
  const protocol = url.protocol === 'https:' ? 'https:' : 'http:';
  // WHATWG URLs keep IPv6 literals in brackets; sockets and DNS want them bare.
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port ? Number(url.port) : protocol === 'https:' ? 443 : 80;
  return { address, protocol, host, port };
}

/** The address's host name resolves (skipped for an IP literal, which needs no DNS). */
export async function checkDns(endpoint: Endpoint): Promise<CheckResult> {
  if (isIP(endpoint.host)) return pass('dns', `${endpoint.host} is an IP address: no DNS lookup needed`);
  try {
    const found = await lookup(endpoint.host, { all: true });
    return pass('dns', `${endpoint.host} resolves to ${found.map((a) => a.address).join(', ')}`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    return fail(
      'dns',
      `${endpoint.host} does not resolve (${code})`,
      code === 'EAI_AGAIN'
        ? "the resolver did not answer: check the pod's DNS (kubectl -n kube-system get pods -l k8s-app=kube-dns) and retry"
        : `check the host in VAULT_ADDR; a Service name such as vault.vault.svc resolves only inside the cluster, and from another namespace it needs its namespace (vault.<namespace>.svc)`,
    );
  }
}

/** A TCP connection to the address's port, within `timeoutMs` (real time: this is about the network). */
export async function checkTcp(endpoint: Endpoint, timeoutMs: number): Promise<CheckResult> {
  const where = `${endpoint.host}:${endpoint.port}`;
  const outcome = await new Promise<{ ok: true } | { ok: false; code: string }>((resolve) => {
    const socket: Socket = connect({ host: endpoint.host, port: endpoint.port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ ok: false, code: 'TIMEOUT' });
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok: true });
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ ok: false, code: error.code ?? 'error' });
    });
  });
  if (outcome.ok) return pass('tcp', `${where} accepts TCP connections`);
  if (outcome.code === 'ECONNREFUSED') {
    return fail(
      'tcp',
      `${where} refused the connection: nothing listens on that port`,
      'check the port in VAULT_ADDR (Vault listens on 8200 unless configured otherwise) and that the Vault pods are running and ready (kubectl -n vault get pods)',
    );
  }
  if (outcome.code === 'TIMEOUT') {
    return fail(
      'tcp',
      `${where} did not answer within ${timeoutMs / 1000} s`,
      'a NetworkPolicy, security group or firewall may drop the traffic: allow egress from this pod to Vault on that port',
    );
  }
  return fail(
    'tcp',
    `could not connect to ${where} (${outcome.code})`,
    'check the address and the network route to Vault',
  );
}
