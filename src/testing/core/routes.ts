import type { BackendRequest, BackendResult, Operation } from './types';
import { unsupportedOperation, unsupportedPath } from './vault-error';

export type Handler = (
  req: BackendRequest,
  params: Record<string, string>,
) => BackendResult | null | undefined | Promise<BackendResult | null | undefined>;

export interface Route {
  /** Segments; `:name` captures one segment, `*name` captures the rest (possibly empty). */
  pattern: string;
  handlers: Partial<Record<Operation, Handler>>;
  /** Vault's existence check: decides between the create and update capabilities for writes. */
  exists?: (req: BackendRequest, params: Record<string, string>) => boolean;
  /**
   * The path's field schema, for the framework's warning about request fields it ignores.
   * Routes without it take arbitrary input (or have not declared their fields) and never warn.
   */
  fields?: readonly string[];
}

export interface Matched {
  route: Route;
  params: Record<string, string>;
}

export function matchRoute(routes: readonly Route[], path: string): Matched | undefined {
  for (const route of routes) {
    const params = matchPattern(route.pattern, path);
    if (params) return { route, params };
  }
  return undefined;
}

function matchPattern(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const have = path.replace(/\/$/, '').split('/');
  const star = want.findIndex((part) => part.startsWith('*'));
  if (star === -1) return matchParts(want, have, {});
  // `*name` takes everything between the fixed head and the fixed tail of the pattern.
  const tail = want.slice(star + 1);
  const restLength = have.length - star - tail.length;
  if (restLength < (tail.length > 0 ? 1 : 0)) return undefined;
  const params = matchParts(want.slice(0, star), have.slice(0, star), {});
  if (!params) return undefined;
  params[want[star]!.slice(1)] = have.slice(star, star + restLength).join('/');
  return matchParts(tail, have.slice(star + restLength), params);
}

function matchParts(
  want: string[],
  have: string[],
  params: Record<string, string>,
): Record<string, string> | undefined {
  if (want.length !== have.length) return undefined;
  for (let i = 0; i < want.length; i++) {
    const part = want[i]!;
    const value = have[i]!;
    if (part.startsWith(':')) {
      if (value === '') return undefined;
      params[part.slice(1)] = value;
    } else if (part !== value) {
      return undefined;
    }
  }
  return params;
}

/** Runs the handler for a request, answering as Vault does when the path or operation is unknown. */
export async function dispatch(
  routes: readonly Route[],
  req: BackendRequest,
): Promise<BackendResult | null | undefined> {
  const matched = matchRoute(routes, req.path);
  if (!matched) throw unsupportedPath();
  // Vault's framework treats create as update when a path has no separate create handler.
  const handler =
    matched.route.handlers[req.operation] ??
    (req.operation === 'create' ? matched.route.handlers.update : undefined) ??
    (req.operation === 'update' ? matched.route.handlers.create : undefined);
  if (!handler) throw unsupportedOperation();
  const result = await handler(req, matched.params);
  return result ? withFieldWarnings(result, matched, req.data) : result;
}

/**
 * framework.Backend.HandleRequest: when a handler answers something, fields the path does not
 * know and fields the path's captures overwrote are named in warnings (Go's %v of a sorted list).
 */
function withFieldWarnings(
  result: BackendResult,
  matched: Matched,
  data: Record<string, unknown>,
): BackendResult {
  const { fields } = matched.route;
  // A status override is Vault's RespondWithStatusCode: a raw answer the warnings do not reach.
  if (!fields || result.raw || result.status !== undefined) return result;
  const captures = Object.keys(matched.params);
  const ignored = Object.keys(data)
    .filter((key) => !fields.includes(key) && !captures.includes(key))
    .sort();
  const replaced = captures.filter((key) => data[key] !== undefined && data[key] !== null).sort();
  const warnings = [...(result.warnings ?? [])];
  if (ignored.length) warnings.push(`Endpoint ignored these unrecognized parameters: [${ignored.join(' ')}]`);
  if (replaced.length) {
    warnings.push(
      `Endpoint replaced the value of these parameters with the values captured from the endpoint's path: [${replaced.join(' ')}]`,
    );
  }
  return warnings.length ? { ...result, warnings } : result;
}

/** Whether a write targets something that exists: Vault's ExistenceCheck, defaulting to update. */
export function existsFor(routes: readonly Route[], req: BackendRequest): boolean {
  const matched = matchRoute(routes, req.path);
  if (!matched?.route.exists) return true;
  return matched.route.exists(req, matched.params);
}
