/**
 * The Standard Schema v1 interface (https://standardschema.dev), declared here rather than taken
 * from a package: it is a small, frozen spec, and declaring it keeps every schema library (zod
 * 3.24+, zod 4, valibot, arktype, ...) the app's own choice. Nothing in the public types names a
 * particular library.
 *
 * A schema is any value with a `~standard` property of this shape; the client only ever calls
 * `~standard.validate` and reads the output type from `~standard.types`.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** The Standard Schema properties: the spec's one entry point. */
  readonly '~standard': StandardSchemaV1.Props<Input, Output>;
}

// A namespace merged with the interface is the spec's own layout; keeping it lets users write
// `StandardSchemaV1.InferOutput<typeof schema>` exactly as every library documents it.
export declare namespace StandardSchemaV1 {
  /** What a schema exposes under `~standard`. */
  export interface Props<Input = unknown, Output = Input> {
    /** Always 1 for this version of the spec. */
    readonly version: 1;
    /** The library's name, e.g. `zod` or `valibot`. */
    readonly vendor: string;
    /** Checks a value; a library may answer asynchronously (async refinements). */
    readonly validate: (value: unknown) => Result<Output> | Promise<Result<Output>>;
    /** Carries the input and output types for inference; never present at run time. */
    readonly types?: Types<Input, Output> | undefined;
  }

  /** The value checked and transformed, or the issues found. */
  export type Result<Output> = SuccessResult<Output> | FailureResult;

  export interface SuccessResult<Output> {
    readonly value: Output;
    readonly issues?: undefined;
  }

  export interface FailureResult {
    readonly issues: ReadonlyArray<Issue>;
  }

  /** One problem: what is wrong, and where in the value. */
  export interface Issue {
    readonly message: string;
    readonly path?: ReadonlyArray<PropertyKey | PathSegment> | undefined;
  }

  export interface PathSegment {
    readonly key: PropertyKey;
  }

  export interface Types<Input = unknown, Output = Input> {
    readonly input: Input;
    readonly output: Output;
  }

  /** The type a schema accepts. */
  export type InferInput<Schema extends StandardSchemaV1> = NonNullable<
    Schema['~standard']['types']
  >['input'];

  /** The type a schema produces (after its transforms). */
  export type InferOutput<Schema extends StandardSchemaV1> = NonNullable<
    Schema['~standard']['types']
  >['output'];
}

/**
 * What a call's `data` is: the schema's output when a schema is given, Vault's JSON object otherwise.
 *
 * @example
 * ```ts
 * const Db = z.object({ username: z.string(), password: z.string() });
 * const secret = await vault.secret('database/creds/app', { schema: Db });
 * secret.data.username; // string
 * ```
 */
export type DataOf<S> = S extends StandardSchemaV1
  ? StandardSchemaV1.InferOutput<S>
  : Record<string, unknown>;
