import { globMatch } from '../glob';
import type { PkiRole } from './roles';

// From hashicorp/vault:builtin/logical/pki/issuing/issue_common.go. Vault first runs names through
// IDNA (golang.org/x/net/idna); the mock takes names as ASCII, which is what clients send.
const LABEL = '([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\\-]*[a-zA-Z0-9])';
const LEFT_WILD_LABEL = `(\\*|\\*${LABEL}|${LABEL}\\*|${LABEL}\\*${LABEL})`;
const HOSTNAME = `(${LABEL}\\.)*${LABEL}\\.?$`;
/** Vault's regexp is anchored at the start only through `^`; its `$` sits inside HOSTNAME. */
export const WILD_HOSTNAME = new RegExp(`^(${LEFT_WILD_LABEL}\\.)?${HOSTNAME}`);

const equalFold = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Splits a wildcard name into its left-most label and the rest; undefined when malformed. */
function splitWildcard(name: string): { label: string; reduced: string } | undefined {
  if (name.split('*').length - 1 > 1) return undefined;
  const dot = name.indexOf('.');
  if (dot === -1) return { label: name, reduced: '' };
  const reduced = name.slice(dot + 1);
  if (reduced.includes('*')) return undefined;
  return { label: name.slice(0, dot), reduced };
}

/** ValidateNames: the first name the role refuses, or '' when all pass. */
export function validateNames(role: PkiRole, names: readonly string[], displayName: string): string {
  for (const name of names) {
    if (!nameAllowed(role, name, displayName)) return name;
  }
  return '';
}

function nameAllowed(role: PkiRole, name: string, displayName: string): boolean {
  let reduced = name;
  let emailDomain = name;
  let wildcardLabel = '';
  let isEmail = false;
  let isWildcard = false;
  if (reduced.includes('@')) {
    const parts = reduced.split('@');
    if (parts.length !== 2) return false;
    reduced = parts[1]!;
    emailDomain = parts[1]!;
    isEmail = true;
  }
  if (reduced.includes('*')) {
    isWildcard = true;
    if (!role.allowWildcardCertificates) return false;
    const split = splitWildcard(reduced);
    if (!split) return false;
    wildcardLabel = split.label;
    reduced = split.reduced;
  }
  if (isEmail && isWildcard) return false;
  if (role.enforceHostnames && reduced !== '') {
    const converted = isWildcard ? `${wildcardLabel}.${reduced}` : reduced;
    if (!WILD_HOSTNAME.test(converted)) return false;
  }
  if (role.allowAnyName) return true;
  if (role.allowLocalhost) {
    if (
      ['localhost', 'localdomain'].includes(reduced) ||
      (isEmail && ['localhost', 'localdomain'].includes(emailDomain))
    ) {
      return true;
    }
    if (role.allowSubdomains) {
      for (const base of ['localhost', 'localdomain']) {
        if (reduced.endsWith(`.${base}`) || (isWildcard && reduced === base)) return true;
      }
    }
  }
  if (role.allowTokenDisplayName) {
    if (name === displayName) return true;
    if (role.allowSubdomains) {
      if (isEmail && displayName.includes('@')) {
        const parts = displayName.split('@');
        if (parts.length === 2 && reduced.endsWith(`.${parts[1]}`)) return true;
      }
      if (reduced.endsWith(`.${displayName}`) || (isWildcard && reduced === displayName)) return true;
    }
  }
  for (const domain of role.allowedDomains) {
    if (domain === '') continue;
    if (role.allowBareDomains && (equalFold(name, domain) || (isEmail && equalFold(emailDomain, domain))))
      return true;
    if (
      role.allowSubdomains &&
      (reduced.endsWith(`.${domain}`) || (isWildcard && equalFold(reduced, domain)))
    ) {
      return true;
    }
    if (
      role.allowGlobDomains &&
      domain.includes('*') &&
      globMatch(domain.toLowerCase(), name.toLowerCase())
    ) {
      return true;
    }
  }
  return false;
}

/** ValidateCommonName: the CN if refused, else ''. */
export function validateCommonName(role: PkiRole, name: string, displayName: string): string {
  if (role.cnValidations.length === 1 && role.cnValidations[0] === 'disabled') return '';
  if (validateNames(role, [name], displayName) !== '') return name;
  if (role.cnValidations.length === 0) return '';
  const needed = name.includes('@') ? 'email' : 'hostname';
  return role.cnValidations.includes(needed) ? '' : name;
}
