import { describe, expect, it } from 'vitest';
import { FileFormatError, goMap, parseFile } from '../../src/sources/agent-file-formats';

describe('AgentFileSource formats', () => {
  it("reads the injector's default template, with Go's map[...] for KV v2 unwrapped like the client does", () => {
    const dynamic = 'password: A1a-pass word\nusername: v-kubernetes-app-xyz\n';
    expect(parseFile(dynamic, 'map')).toEqual({
      data: { password: 'A1a-pass word', username: 'v-kubernetes-app-xyz' },
      version: undefined,
      metadata: undefined,
    });
    const kv2 =
      'data: map[api_key:abc def url:https://x.example/a?b=c]\nmetadata: map[created_time:2026-01-01T00:00:00Z custom_metadata:<nil> deletion_time: destroyed:false version:3]\n';
    const parsed = parseFile(kv2, 'auto');
    expect(parsed.data).toEqual({ api_key: 'abc def', url: 'https://x.example/a?b=c' });
    expect(parsed.version).toBe(3);
    expect(goMap('map[a:map[b:1 c:2] d:x]')).toEqual({ a: { b: '1', c: '2' }, d: 'x' });
  });

  it('reads JSON (.Data | toJSON), env lines with quotes and export, and raw text; auto tells them apart', () => {
    expect(parseFile('{"data":{"u":"a"},"metadata":{"version":7}}', 'auto')).toMatchObject({
      data: { u: 'a' },
      version: 7,
    });
    expect(parseFile('{"username":"u","password":"p"}', 'json').data).toEqual({
      username: 'u',
      password: 'p',
    });
    const env =
      '# rendered by vault-agent\nexport DB_USER="v-app"\nDB_PASS=\'p a s s\'\nDB_NOTE="line\\nnext"\n';
    expect(parseFile(env, 'auto').data).toEqual({
      DB_USER: 'v-app',
      DB_PASS: 'p a s s',
      DB_NOTE: 'line\nnext',
    });
    expect(parseFile('-----BEGIN CERTIFICATE-----\nMIIB\n', 'raw').data).toBe(
      '-----BEGIN CERTIFICATE-----\nMIIB\n',
    );
    expect(parseFile('a,b', (text) => text.split(',')).data).toEqual(['a', 'b']);
  });

  it('refuses a truncated file, naming the line but never its value', () => {
    expect(() => parseFile('{"password":"hunter2-top-sec', 'json')).toThrow(FileFormatError);
    expect(() => parseFile('DB_PASS="hunter2-top-sec', 'env')).toThrow(/line 1 has an unterminated quote/);
    expect(() => parseFile('ok: 1\nhunter2-top-secret\n', 'map')).toThrow(/^line 2 is not "key: value"$/);
  });
});
