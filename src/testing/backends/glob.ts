/**
 * ryanuber/go-glob semantics, which Vault uses for bound service-account names and namespaces:
 * `*` matches any run of characters anywhere in the pattern; there is no `?` and no escaping.
 */
export function globMatch(pattern: string, subject: string): boolean {
  if (pattern === '*') return true;
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === subject;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (!subject.startsWith(first) || !subject.endsWith(last)) return false;
  let at = first.length;
  for (const middle of parts.slice(1, -1)) {
    const found = subject.indexOf(middle, at);
    if (found === -1) return false;
    at = found + middle.length;
  }
  return at <= subject.length - last.length;
}

export function globListContains(patterns: readonly string[], subject: string): boolean {
  return patterns.some((pattern) => globMatch(pattern, subject));
}
