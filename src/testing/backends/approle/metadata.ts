/**
 * strutil.ParseArbitraryKeyValues, how a secret ID's `metadata` string is read: base64 of the
 * rest if it decodes, then a JSON object of strings, else comma-separated `key=value` pairs.
 * Throws the reason Vault gives after "failed to parse metadata: ".
 */
export function parseMetadata(input: string): Record<string, string> {
  if (input === '') return {};
  let text = input;
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(input) && input.length % 4 === 0) {
    text = Buffer.from(input, 'base64').toString('utf8');
  }
  const out: Record<string, string> = {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
    for (const [key, value] of Object.entries(parsed)) {
      if (typeof value !== 'string') {
        throw new Error(`json: cannot unmarshal ${typeof value} into Go value of type string`);
      }
      out[key] = value;
    }
  } else {
    for (const pair of text.split(',')) {
      const shards = pair.split('=');
      if (shards.length !== 2) throw new Error('failed to parse the input: invalid <key,value> format');
      const [key, value] = shards.map((s) => s.trim()) as [string, string];
      if (key === '') throw new Error('failed to parse the input: invalid <key,value> format');
      out[key] = value;
    }
  }
  for (const [key, value] of Object.entries(out)) {
    if (key !== '' && value === '') throw new Error(`invalid value for key ${JSON.stringify(key)}`);
  }
  return out;
}
