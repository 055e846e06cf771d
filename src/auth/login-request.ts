import { VaultResponseError } from '../errors';
import type { Transport, TransportRequest } from '../http/transport';
import { type AuthBlock, parseEnvelope, requireAuth } from '../http/vault-response';
import type { CallOptions } from '../types/requests';
import { isRefusal } from './login-refusal';

/**
 * `POST auth/<mount>/login` as every login method sends it: the auth block of the answer, a refusal
 * (`isRefusal`) turned into the method's own diagnosis by `refuse`, any other failure as it came.
 */
export async function postLogin(
  transport: Transport,
  login: {
    mount: string;
    body: Record<string, unknown>;
    kind: TransportRequest['kind'];
    call: CallOptions | undefined;
  },
  refuse: (error: VaultResponseError) => Error,
): Promise<AuthBlock> {
  const path = `auth/${login.mount}/login`;
  try {
    const res = await transport.send({
      method: 'POST',
      path,
      body: login.body,
      kind: login.kind,
      ...(login.call ? { call: login.call } : {}),
    });
    return requireAuth(parseEnvelope(res.body, { path, status: res.status }), { path, status: res.status });
  } catch (error) {
    if (error instanceof VaultResponseError && isRefusal(error)) throw refuse(error);
    throw error;
  }
}
