/*
 * sdk/helper/policyutil and strutil as the token store uses them on policy lists.
 */

/** Policies no token may hold (token_store.go nonAssignablePolicies). */
export const NON_ASSIGNABLE_POLICIES = ['response-wrapping', 'control-group'];

/** strutil.RemoveDuplicates(items, lowercase): trimmed, lower-cased, empty ones dropped, unique, sorted. */
export function removeDuplicates(items: readonly string[], lowercase = true): string[] {
  const cleaned = items.map((item) => (lowercase ? item.trim().toLowerCase() : item.trim()));
  return [...new Set(cleaned.filter((item) => item !== ''))].sort();
}

/**
 * policyutil.SanitizePolicies: lower-cased and trimmed; `root` alone wins over everything else;
 * `default` appended when asked for and missing; then de-duplicated and sorted.
 */
export function sanitizePolicies(policies: readonly string[], addDefault: boolean): string[] {
  let list = policies.map((policy) => policy.trim().toLowerCase());
  let defaultFound = false;
  for (const policy of list) {
    if (policy === 'root') {
      list = ['root'];
      defaultFound = true;
      break;
    }
    if (policy === 'default') defaultFound = true;
  }
  if (addDefault && (list.length === 0 || !defaultFound)) list = [...list, 'default'];
  return removeDuplicates(list);
}

/** strutil.StrListSubset: whether every item of `sub` is in `superset`. */
export function isSubset(superset: readonly string[], sub: readonly string[]): boolean {
  return sub.every((item) => superset.includes(item));
}
