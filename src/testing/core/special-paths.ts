/**
 * Vault's PathsSpecial patterns (a backend's `Unauthenticated` and `Root` lists), as the router
 * matches them: a trailing `*` makes the rest a prefix, a `+` stands for exactly one segment,
 * anything else must match exactly. Paths are relative to the mount.
 */
export function matchesSpecialPath(patterns: readonly string[] | undefined, path: string): boolean {
  return (patterns ?? []).some((pattern) => matches(pattern, path));
}

function matches(pattern: string, path: string): boolean {
  const prefix = pattern.endsWith('*');
  const want = (prefix ? pattern.slice(0, -1) : pattern).split('/');
  const have = path.split('/');
  if (prefix ? have.length < want.length : have.length !== want.length) return false;
  return want.every((segment, i) => {
    const actual = have[i] ?? '';
    if (segment === '+') return actual !== '';
    // The last segment of a prefix pattern is itself a prefix: `accessors*` covers `accessors/`.
    if (prefix && i === want.length - 1) return actual.startsWith(segment);
    return segment === actual;
  });
}
