import { channel } from 'node:diagnostics_channel';
import { VaultClientError, VaultResponseError } from '../errors';
import type { Transport } from '../http/transport';
import { REQUEST_END, REQUEST_START, type RequestEnd, type RequestStart } from './channels';

// INTERIM-C2: the transport publishes these channels itself, per attempt (contract C2). Until
// that is on main, this wrapper publishes one start/end pair per call around Transport.send.
// Drop this file and its one line in client.ts when the transport's channels are merged, or
// every request is reported twice.
const start = channel(REQUEST_START);
const end = channel(REQUEST_END);
let lastId = 0;

export function publishRequests(transport: Transport): Transport {
  const send = transport.send.bind(transport);
  transport.send = async (req) => {
    if (!start.hasSubscribers && !end.hasSubscribers) return send(req);
    const requestId = ++lastId;
    const method = req.list ? 'LIST' : req.method;
    const begin: RequestStart = { requestId, method, path: req.path, attempt: 0 };
    start.publish(begin);
    const started = performance.now();
    const done = (m: Partial<RequestEnd> & Pick<RequestEnd, 'outcome'>) =>
      end.publish({
        requestId,
        method,
        path: req.path,
        attempt: 0,
        durationMs: performance.now() - started,
        ...m,
      });
    try {
      const res = await send(req);
      done({ outcome: 'ok', status: res.status });
      return res;
    } catch (error) {
      done({
        outcome: 'error',
        ...(error instanceof VaultResponseError ? { status: error.status } : {}),
        ...(error instanceof VaultClientError ? { errorCode: error.code } : {}),
      });
      throw error;
    }
  };
  return transport;
}
