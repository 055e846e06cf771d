import {
  type DecodedFields,
  decodeFields,
  FieldConversionError,
  type FieldSchemas,
  type FieldValues,
} from './fields';
import type { BackendRequest, BackendResult, Operation } from './types';
import { unsupportedOperation, unsupportedPath, VaultError } from './vault-error';

type Awaitable<T> = T | Promise<T>;
export type HandlerResult = BackendResult | null | undefined;

/** The capture names of a pattern: `role/:name` gives `name`, `creds/*path` gives `path`. */
export type PatternParams<P extends string> = P extends `${infer Head}/${infer Tail}`
  ? SegmentParam<Head> | PatternParams<Tail>
  : SegmentParam<P>;
type SegmentParam<S extends string> = S extends `:${infer N}` ? N : S extends `*${infer N}` ? N : never;
/** The captures of a route: named after the pattern's segments, any name for a RegExp pattern. */
export type RouteParams<P extends string> = [P] extends [never]
  ? string
  : string extends P
    ? string
    : PatternParams<P>;

/** What a handler receives besides the request: the decoded fields and the path's captures. */
export interface RouteInput<S extends FieldSchemas = FieldSchemas, P extends string = string> {
  /** Every declared field, decoded: the request's value, else the field's default, else its zero value. */
  readonly fields: FieldValues<S>;
  /** Whether the request carried the field at all (Vault's GetOk). */
  has(name: keyof S & string): boolean;
  /** Segments captured by the pattern (`:name`, `*rest`) or by a RegExp pattern's named groups. */
  readonly params: Readonly<Record<P, string>>;
}

export type RouteHandler<S extends FieldSchemas = FieldSchemas, P extends string = string> = (
  req: BackendRequest,
  input: RouteInput<S, P>,
) => Awaitable<HandlerResult>;

/** A route as written by a backend; `defineRoute` turns it into a `DeclaredRoute`. */
export interface RouteSpec<P extends string, S extends FieldSchemas> {
  /**
   * Segments (`:name` captures one, `*name` the rest, possibly empty), or an anchored RegExp
   * whose named groups are the captures (Vault's own patterns are regular expressions).
   */
  readonly pattern: P | RegExp;
  /** The fields the route takes. Fields a request sends beyond these come back as warnings. */
  readonly fields?: S;
  /** framework.Path.TakesArbitraryInput: any field is welcome (KV data), so none is warned about. */
  readonly takesArbitraryInput?: boolean;
  readonly handlers: Partial<Record<Operation, RouteHandler<S, RouteParams<P>>>>;
  /**
   * Vault's existence check: whether a write creates (needs `create`) or updates (`update`).
   * Routes without one treat every write as an update.
   */
  readonly exists?: (req: BackendRequest, input: RouteInput<S, RouteParams<P>>) => boolean;
}

/** A route with its fields declared once; backends build them with `defineRoute`. */
export interface DeclaredRoute {
  readonly kind: 'declared';
  readonly pattern: string | RegExp;
  readonly fields: FieldSchemas;
  readonly takesArbitraryInput: boolean;
  readonly handlers: Partial<Record<Operation, RouteHandler>>;
  readonly exists: ((req: BackendRequest, input: RouteInput) => boolean) | undefined;
}

/**
 * Declares a route: its pattern, its fields (name, type, default, description), its handlers.
 * Handlers get the fields decoded and typed; a request that does not convert is refused before
 * any handler runs, as Vault's framework refuses it.
 */
export function defineRoute<const P extends string, const S extends FieldSchemas = Record<never, never>>(
  spec: RouteSpec<P, S>,
): DeclaredRoute {
  // The one place where a route's precise types are erased: the dispatcher decodes exactly the
  // declared fields, so what each handler was typed for is what it receives.
  return {
    kind: 'declared',
    pattern: spec.pattern,
    fields: spec.fields ?? {},
    takesArbitraryInput: spec.takesArbitraryInput ?? false,
    handlers: spec.handlers as DeclaredRoute['handlers'],
    exists: spec.exists as DeclaredRoute['exists'],
  };
}

/**
 * @deprecated The route shape from before fields were declared, kept only for the database
 * engine until it moves to `defineRoute`: handlers read `req.data` themselves and get the
 * captures as their second argument; `fields` lists names for the unknown-field warning only.
 */
export interface Route {
  kind?: undefined;
  pattern: string;
  handlers: Partial<
    Record<
      Operation,
      (req: BackendRequest, params: Record<string, string>) => Awaitable<BackendResult | null | undefined>
    >
  >;
  exists?: (req: BackendRequest, params: Record<string, string>) => boolean;
  fields?: readonly string[];
}

export type AnyRoute = DeclaredRoute | Route;

export interface Matched {
  route: AnyRoute;
  params: Record<string, string>;
}

export function matchRoute(routes: readonly AnyRoute[], path: string): Matched | undefined {
  for (const route of routes) {
    const params =
      typeof route.pattern === 'string'
        ? matchPattern(route.pattern, path)
        : matchRegExp(route.pattern, path);
    if (params) return { route, params };
  }
  return undefined;
}

function matchRegExp(pattern: RegExp, path: string): Record<string, string> | undefined {
  const match = pattern.exec(path);
  if (match?.index !== 0 || match[0].length !== path.length) return undefined;
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(match.groups ?? {})) params[name] = value ?? '';
  return params;
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
  params[(want[star] ?? '*').slice(1)] = have.slice(star, star + restLength).join('/');
  return matchParts(tail, have.slice(star + restLength), params);
}

function matchParts(
  want: string[],
  have: string[],
  params: Record<string, string>,
): Record<string, string> | undefined {
  if (want.length !== have.length) return undefined;
  for (const [i, part] of want.entries()) {
    const value = have[i] ?? '';
    if (part.startsWith(':')) {
      if (value === '') return undefined;
      params[part.slice(1)] = value;
    } else if (part !== value) {
      return undefined;
    }
  }
  return params;
}

/** framework.Backend.HandleRequest builds the field data from the body, the captures winning. */
function rawFields(data: Record<string, unknown>, params: Record<string, string>): Record<string, unknown> {
  return { ...data, ...params };
}

function inputOf(decoded: DecodedFields<FieldSchemas>, params: Record<string, string>): RouteInput {
  return { fields: decoded.values, has: (name) => decoded.given.has(name), params };
}

/**
 * Runs the handler for a request as framework.Backend.HandleRequest does: route, operation
 * (`unsupported path`, `unsupported operation`), field validation, the handler, then warnings
 * about fields the path does not take and fields its captures replaced.
 */
export async function dispatch(routes: readonly AnyRoute[], req: BackendRequest): Promise<HandlerResult> {
  const matched = matchRoute(routes, req.path);
  if (!matched) throw unsupportedPath();
  const { route, params } = matched;
  if (route.kind !== 'declared') return dispatchLegacy(route, params, req);
  const handler = handlerFor(route.handlers, req.operation);
  if (!handler) throw unsupportedOperation();
  let decoded: DecodedFields<FieldSchemas>;
  try {
    decoded = decodeFields(route.fields, rawFields(req.data, params));
  } catch (error) {
    if (error instanceof FieldConversionError) {
      throw new VaultError(400, `Field validation failed: ${error.message}`);
    }
    throw error;
  }
  const result = await handler(req, inputOf(decoded, params));
  if (!result) return result;
  const ignored = route.takesArbitraryInput
    ? []
    : Object.keys(req.data).filter((key) => !Object.hasOwn(route.fields, key));
  return withFieldWarnings(result, ignored, params, req.data);
}

/** Vault's framework treats create as update when a path has no separate create handler. */
function handlerFor<H>(handlers: Partial<Record<Operation, H>>, operation: Operation): H | undefined {
  return (
    handlers[operation] ??
    (operation === 'create' ? handlers.update : undefined) ??
    (operation === 'update' ? handlers.create : undefined)
  );
}

async function dispatchLegacy(
  route: Route,
  params: Record<string, string>,
  req: BackendRequest,
): Promise<HandlerResult> {
  const handler = handlerFor(route.handlers, req.operation);
  if (!handler) throw unsupportedOperation();
  const result = await handler(req, params);
  if (!result || !route.fields) return result;
  const known = route.fields;
  const ignored = Object.keys(req.data).filter((key) => !known.includes(key) && !(key in params));
  return withFieldWarnings(result, ignored, params, req.data);
}

/**
 * The framework's two warnings, on any answer a handler gave (Go's %v of a sorted list). A
 * status override is Vault's RespondWithStatusCode: a raw answer the warnings do not reach.
 */
function withFieldWarnings(
  result: BackendResult,
  ignoredKeys: string[],
  params: Record<string, string>,
  data: Record<string, unknown>,
): BackendResult {
  if (result.raw || result.status !== undefined) return result;
  const captures = Object.keys(params);
  const ignored = ignoredKeys.filter((key) => !captures.includes(key)).sort();
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

/**
 * Whether a write targets something that exists: Vault's ExistenceCheck, defaulting to update.
 * The check validates the fields first; a value that does not convert is refused here, before
 * any policy is checked, with the bare conversion error (a UserError in Vault).
 */
export function existsFor(routes: readonly AnyRoute[], req: BackendRequest): boolean {
  const matched = matchRoute(routes, req.path);
  if (!matched?.route.exists) return true;
  const { route, params } = matched;
  if (route.kind !== 'declared') return route.exists?.(req, params) ?? true;
  try {
    return (
      route.exists?.(req, inputOf(decodeFields(route.fields, rawFields(req.data, params)), params)) ?? true
    );
  } catch (error) {
    if (error instanceof FieldConversionError) throw new VaultError(400, error.message);
    throw error;
  }
}
