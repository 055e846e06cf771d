import { UsernameTemplate } from '../username-template';
import { PluginError } from './plugin';

/**
 * connutil.SQLConnectionProducer.Init, shared by the SQL plugins: the templated `connection_url`
 * filled with the root `username` and `password` (path-escaped as Go's url.PathEscape does,
 * except a MySQL password), and the pool size.
 */
export interface ConnectionSettings {
  url: string;
  username: string;
  password: string;
  maxOpenConnections: number;
}

export function connectionSettings(
  details: Readonly<Record<string, unknown>>,
  options: { escapePassword: boolean },
): ConnectionSettings {
  const url = stringField(details, 'connection_url');
  if (url === '') throw new PluginError('connection_url cannot be empty');
  const username = stringField(details, 'username');
  const password = stringField(details, 'password');
  if ([username, password].some((v) => v.includes('{{username}}') || v.includes('{{password}}'))) {
    throw new PluginError('username and/or password cannot contain the template variables');
  }
  const raw = details.disable_escaping === true || details.disable_escaping === 'true';
  const filled = url
    .split('{{username}}')
    .join(raw ? username : goPathEscape(username))
    .split('{{password}}')
    .join(raw || !options.escapePassword ? password : goPathEscape(password));
  const max = Number(details.max_open_connections ?? 0);
  return { url: filled, username, password, maxOpenConnections: Number.isInteger(max) && max > 0 ? max : 4 };
}

/** The plugin's username template, or its default; checked once with empty metadata, as Vault does. */
export function usernameTemplate(
  details: Readonly<Record<string, unknown>>,
  fallback: string,
): UsernameTemplate {
  const source = stringField(details, 'username_template') || fallback;
  let template: UsernameTemplate;
  try {
    template = UsernameTemplate.parse(source);
  } catch (error) {
    throw new PluginError(`unable to initialize username template: ${(error as Error).message}`);
  }
  try {
    template.generate({ DisplayName: '', RoleName: '' }, Date.now());
  } catch (error) {
    throw new PluginError(`invalid username template: ${(error as Error).message}`);
  }
  return template;
}

function stringField(details: Readonly<Record<string, unknown>>, key: string): string {
  const value = details[key];
  return value === undefined || value === null ? '' : String(value);
}

/** Go's url.PathEscape: unreserved characters and `$&+:=@` stay, every other byte is %XX. */
export function goPathEscape(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~$&+:=@]/.test(c)) out += c;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
