import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Type tests, run by `npm test`: the fixtures in ./fixtures are compiled with the TypeScript
 * compiler against the package's source, as a strict app would (exactOptionalPropertyTypes on),
 * and the declarations the package publishes are checked for what they must not mention.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const fixtureFiles = ['zod4.ts', 'zod3.ts', 'valibot.ts', 'exact-optional.ts', 'rejected.ts'].map((f) =>
  join(root, 'test/types/fixtures', f),
);
const entries = ['index', 'testing', 'express', 'nest'].map((e) => join(root, 'src', `${e}.ts`));
const outDir = join(root, '.type-test-out');

const options: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2023.d.ts', 'lib.esnext.disposable.d.ts'],
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  types: ['node'],
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  skipLibCheck: true,
  experimentalDecorators: true,
  paths: {
    'vault-kubernetes-client': [join(root, 'src/index.ts')],
    'vault-kubernetes-client/*': [join(root, 'src/*.ts')],
  },
  // Declarations are emitted into memory only (see the second test).
  declaration: true,
  emitDeclarationOnly: true,
  outDir,
  rootDir: root,
};

// One program for both tests: building it is most of the cost.
let program: ts.Program | undefined;
function compiled(): ts.Program {
  program ??= ts.createProgram([...fixtureFiles, ...entries], options);
  return program;
}

function diagnosticsOf(files: string[]): string[] {
  const p = compiled();
  return files.flatMap((file) => {
    const source = p.getSourceFile(file);
    if (!source) return [`${file}: not found`];
    return [...p.getSyntacticDiagnostics(source), ...p.getSemanticDiagnostics(source)].map((d) => {
      const where =
        d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
      const at = where ? `${d.file?.fileName.slice(root.length + 1)}:${where.line + 1}` : file;
      return `${at}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
  });
}

/** The declaration files a consumer's compiler reads: emitted in memory, followed from the public entries. */
function publishedDeclarations(): Map<string, string> {
  const p = compiled();
  const emitted = new Map<string, string>();
  const emit = (source: ts.SourceFile) => p.emit(source, (name, text) => emitted.set(resolve(name), text));
  const dtsOf = (ts: string) => join(outDir, `${ts.slice(root.length + 1, -'.ts'.length)}.d.ts`);
  const sourceOf = (dts: string) => join(root, `${dts.slice(outDir.length + 1, -'.d.ts'.length)}.ts`);
  const queue = entries.map(dtsOf);
  const reachable = new Map<string, string>();
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (reachable.has(file)) continue;
    if (!emitted.has(file)) {
      const source =
        p.getSourceFile(sourceOf(file)) ?? p.getSourceFile(sourceOf(file).replace(/\.ts$/, '/index.ts'));
      if (source) emit(source);
    }
    const text = emitted.get(file) ?? emitted.get(file.replace(/\.d\.ts$/, '/index.d.ts'));
    if (text === undefined) continue;
    reachable.set(file, text);
    for (const match of text.matchAll(/(?:from\s+|import\()\s*['"](\.[^'"]*)['"]/g)) {
      queue.push(resolve(dirname(file), `${match[1]!.replace(/\.js$/, '')}.d.ts`));
    }
  }
  return reachable;
}

describe('public types', () => {
  it('schemas from zod 4, zod 3.25 and valibot type data by their output; options take undefined under exactOptionalPropertyTypes', () => {
    expect(diagnosticsOf(fixtureFiles)).toEqual([]);
  }, 120_000);

  it("no declaration the package publishes imports zod (the schema library is the app's own)", () => {
    const declarations = publishedDeclarations();
    expect(declarations.size).toBeGreaterThan(10);
    const offenders = [...declarations]
      .filter(([, text]) => /(?:from\s+|import\()\s*['"]zod(?:\/[^'"]*)?['"]/.test(text))
      .map(([file]) => file.slice(outDir.length + 1));
    expect(offenders).toEqual([]);
  }, 120_000);
});
