/**
 * Go's MySQL DSN (github.com/go-sql-driver/mysql ParseDSN), the form Vault's MySQL plugins take in
 * `connection_url`: `[user[:password]@][net[(address)]]/dbname[?param=value&...]`, for example
 * `{{username}}:{{password}}@tcp(127.0.0.1:3306)/`. Not a URL: the password may hold `@` or `:`.
 */
export interface MysqlDsn {
  user: string;
  password: string;
  /** `tcp` or `unix`. */
  net: string;
  host: string;
  port: number;
  socketPath: string | undefined;
  database: string;
  params: Record<string, string>;
}

export function parseMysqlDsn(dsn: string): MysqlDsn {
  const slash = dsn.lastIndexOf('/');
  if (slash === -1) throw new Error('invalid DSN: missing the slash separating the database name');
  const head = dsn.slice(0, slash);
  const tail = dsn.slice(slash + 1);
  const question = tail.indexOf('?');
  const database = question === -1 ? tail : tail.slice(0, question);
  const params: Record<string, string> = {};
  if (question !== -1) {
    for (const pair of tail.slice(question + 1).split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      if (eq === -1) throw new Error(`invalid DSN: invalid parameter ${JSON.stringify(pair)}`);
      params[pair.slice(0, eq)] = decodeURIComponent(pair.slice(eq + 1));
    }
  }
  // The last `@` ends the credentials: a password may contain `@`.
  const at = head.lastIndexOf('@');
  const credentials = at === -1 ? '' : head.slice(0, at);
  const location = at === -1 ? head : head.slice(at + 1);
  const colon = credentials.indexOf(':');
  const user = colon === -1 ? credentials : credentials.slice(0, colon);
  const password = colon === -1 ? '' : credentials.slice(colon + 1);
  let net = 'tcp';
  let address = '';
  if (location !== '') {
    const match = /^([a-z0-9]+)(?:\((.*)\))?$/.exec(location);
    if (!match) throw new Error('invalid DSN: network address not terminated (missing closing brace)');
    net = match[1]!;
    address = match[2] ?? '';
  }
  if (net === 'unix') {
    return {
      user,
      password,
      net,
      host: '',
      port: 0,
      socketPath: address || '/tmp/mysql.sock',
      database,
      params,
    };
  }
  if (net !== 'tcp') throw new Error(`unknown network ${net}`);
  const [host, port] = splitHostPort(address || '127.0.0.1:3306');
  return { user, password, net, host, port, socketPath: undefined, database, params };
}

function splitHostPort(address: string): [string, number] {
  const bracket = /^\[(.*)\](?::(\d+))?$/.exec(address);
  if (bracket) return [bracket[1]!, Number(bracket[2] ?? 3306)];
  const colon = address.lastIndexOf(':');
  if (colon === -1) return [address, 3306];
  return [address.slice(0, colon) || '127.0.0.1', Number(address.slice(colon + 1))];
}
