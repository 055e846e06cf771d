/**
 * How Vault's SQL plugins turn a role's statements into queries: each entry may be a JSON list
 * or base64 (strutil.ParseArbitraryStringSlice), is split on `;`, trimmed, emptied entries
 * dropped, and the `{{name}}`-style placeholders are replaced as plain text (dbutil.QueryHelper:
 * no SQL escaping, which is why Vault's default statements quote the values themselves).
 */

/** strutil.ParseArbitraryStringSlice: base64 is decoded, a JSON list taken as is, anything else split. */
export function parseArbitraryStringSlice(input: string, separator: string): string[] {
  let text = input.trim();
  if (text === '') return [];
  if (isStrictBase64(text)) text = Buffer.from(text, 'base64').toString('utf8');
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed) && parsed.every((item) => typeof item === 'string')) return parsed;
  } catch {
    // Not JSON: a separated string.
  }
  return text
    .split(separator)
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/** Go's base64.StdEncoding.DecodeString succeeds only on padded, whole quanta of the standard alphabet. */
function isStrictBase64(text: string): boolean {
  return text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text);
}

/** dbutil.QueryHelper: `{{key}}` replaced by the value, every occurrence, no escaping. */
export function fillTemplate(query: string, values: Readonly<Record<string, string>>): string {
  let out = query;
  for (const [key, value] of Object.entries(values)) out = out.split(`{{${key}}}`).join(value);
  return out;
}

/** The queries to run for a list of statements, with their placeholders filled. */
export function queriesOf(
  statements: readonly string[],
  values: Readonly<Record<string, string>>,
  options: { keepBlocks?: boolean } = {},
): string[] {
  const queries: string[] = [];
  for (const statement of statements) {
    // PostgreSQL's plugin runs a statement holding a block (`DO $$ ... END $$`) whole.
    if (options.keepBlocks && containsBlock(statement)) {
      queries.push(fillTemplate(statement, values));
      continue;
    }
    for (const query of parseArbitraryStringSlice(statement, ';')) queries.push(fillTemplate(query, values));
  }
  return queries;
}

/** The PostgreSQL plugin's test for a multi-statement block: the word END outside quoted text. */
export function containsBlock(statement: string): boolean {
  const unquoted = statement.replace(/"[^"]*"|'[^']*'/g, '');
  return /\bEND\b/.test(unquoted);
}

/** Go's time.Format("2006-01-02 15:04:05-0700") in UTC, the `{{expiration}}` the plugins pass to SQL. */
export function expirationString(epochMs: number): string {
  const iso = new Date(epochMs).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}+0000`;
}

/** SQL identifier quoting (pq.QuoteIdentifier / dbutil.QuoteIdentifier): doubled quotes inside. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/\0/g, '').replace(/"/g, '""')}"`;
}
