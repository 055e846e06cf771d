import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';

/**
 * What the proxy does to traffic. Modes act per request chunk, not per connection, so a switch
 * also hits keep-alive connections the client already holds, as a real network failure would.
 */
export type ProxyMode =
  | { kind: 'pass' }
  /** Real milliseconds before each request chunk is forwarded. */
  | { kind: 'delay'; ms: number }
  /** Black hole: the request is swallowed and nothing ever comes back; the client's timeout fires. */
  | { kind: 'drop' }
  /** Forwards the request, then only `bodyBytes` of the response body before resetting the connection. */
  | { kind: 'reset'; bodyBytes: number }
  /** Nothing listens: new connections get ECONNREFUSED and held ones are reset. */
  | { kind: 'refuse' }
  /** Accepts and reads, never answers, and keeps its side open after the client gives up. */
  | { kind: 'half-open' };

interface Connection {
  client: Socket;
  upstream: Socket;
  /** Once a request was swallowed, the connection answers nothing more. */
  silent: boolean;
  /** Response bytes still to forward before the reset; undefined when no reset is armed. */
  resetAfter: { headerSeen: boolean; bodyLeft: number; buffer: string } | undefined;
  /** Keeps request chunks in order when some are delayed. */
  queue: Promise<void>;
  /** The client sent FIN or the socket closed: what the client holds open is what counts. */
  clientDone: boolean;
}

/** A fault-injecting TCP proxy between a client and the mock Vault. Real time in it stays in milliseconds. */
export class TcpProxy {
  #server: Server | undefined;
  #mode: ProxyMode = { kind: 'pass' };
  readonly #connections = new Set<Connection>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #port = 0;
  #closed = false;
  /** Waiting for every client side to be closed. */
  #idle: (() => void)[] = [];
  /** Connections accepted over the proxy's life. */
  accepted = 0;

  private constructor(private readonly target: { host: string; port: number }) {}

  static async start(targetAddress: string): Promise<TcpProxy> {
    const url = new URL(targetAddress);
    const proxy = new TcpProxy({ host: url.hostname, port: Number(url.port) });
    await proxy.#listen();
    return proxy;
  }

  get address(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get mode(): ProxyMode {
    return this.#mode;
  }

  /** Connections whose client side is still open (the proxy's own half-open leftovers do not count). */
  openClientSockets(): number {
    return [...this.#connections].filter((c) => !c.clientDone).length;
  }

  /**
   * Settles once no client socket is open: when a client that closed its connections has had its
   * FINs arrive. Event-driven (each close is checked as it happens), so no test needs to sleep.
   */
  clientSocketsClosed(): Promise<void> {
    if (this.openClientSockets() === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Every socket the proxy holds, both sides. */
  openSockets(): number {
    let n = 0;
    for (const c of this.#connections) n += (c.client.destroyed ? 0 : 1) + (c.upstream.destroyed ? 0 : 1);
    return n;
  }

  async setMode(mode: ProxyMode): Promise<void> {
    const was = this.#mode;
    this.#mode = mode;
    if (mode.kind === 'refuse' && was.kind !== 'refuse') {
      for (const c of this.#connections) this.#destroy(c, true);
      await this.#unlisten();
    } else if (mode.kind !== 'refuse' && was.kind === 'refuse') {
      await this.#listen();
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const c of this.#connections) this.#destroy(c, false);
    await this.#unlisten();
  }

  async #listen(): Promise<void> {
    if (this.#closed) return;
    const server = createServer({ allowHalfOpen: true }, (socket) => this.#accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  async #unlisten(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    this.accepted += 1;
    if (this.#mode.kind === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    const c: Connection = {
      client,
      upstream,
      silent: false,
      resetAfter: undefined,
      queue: Promise.resolve(),
      clientDone: false,
    };
    this.#connections.add(c);
    const done = () => {
      c.clientDone = true;
      if (this.#idle.length > 0 && this.openClientSockets() === 0)
        for (const wake of this.#idle.splice(0)) wake();
    };
    client.on('end', () => {
      done();
      // A half-open connection keeps its side open: the point of the mode.
      if (!c.silent || this.#mode.kind !== 'half-open') this.#destroy(c, false);
    });
    client.on('close', () => {
      done();
      this.#destroy(c, false);
    });
    client.on('error', done);
    upstream.on('error', () => this.#destroy(c, true));
    upstream.on('close', () => {
      if (!c.silent) this.#destroy(c, false);
    });
    client.on('data', (chunk: Buffer) => this.#request(c, chunk));
    upstream.on('data', (chunk: Buffer) => this.#response(c, chunk));
  }

  #request(c: Connection, chunk: Buffer): void {
    const mode = this.#mode;
    if (c.silent) return;
    c.resetAfter = undefined;
    switch (mode.kind) {
      case 'drop':
      case 'half-open':
        c.silent = true;
        return;
      case 'refuse':
        this.#destroy(c, true);
        return;
      case 'reset':
        c.resetAfter = { headerSeen: false, bodyLeft: mode.bodyBytes, buffer: '' };
        break;
      case 'delay':
        c.queue = c.queue.then(() => this.#sleep(mode.ms));
        break;
      case 'pass':
        break;
    }
    c.queue = c.queue.then(() => {
      if (!c.upstream.destroyed) c.upstream.write(chunk);
    });
  }

  #response(c: Connection, chunk: Buffer): void {
    if (c.silent || c.client.destroyed) return;
    const reset = c.resetAfter;
    if (!reset) {
      c.client.write(chunk);
      return;
    }
    let forward = chunk;
    if (!reset.headerSeen) {
      reset.buffer += chunk.toString('latin1');
      const end = reset.buffer.indexOf('\r\n\r\n');
      if (end === -1) {
        c.client.write(chunk);
        return;
      }
      reset.headerSeen = true;
      const bodyStart = chunk.length - (reset.buffer.length - (end + 4));
      c.client.write(chunk.subarray(0, bodyStart));
      forward = chunk.subarray(bodyStart);
    }
    const part = forward.subarray(0, reset.bodyLeft);
    reset.bodyLeft -= part.length;
    if (part.length > 0) c.client.write(part);
    if (reset.bodyLeft <= 0 || part.length < forward.length) this.#destroy(c, true);
  }

  #destroy(c: Connection, hard: boolean): void {
    c.clientDone = true;
    if (hard && !c.client.destroyed) c.client.resetAndDestroy();
    else c.client.destroy();
    c.upstream.destroy();
    this.#connections.delete(c);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve();
      }, ms);
      this.#timers.add(timer);
    });
  }
}
