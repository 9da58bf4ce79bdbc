/**
 * Names the source file of a position in dist/extension.js. The production bundle has no source
 * map, so this builds it again with the options of esbuild.js (production) plus a source map, in
 * memory, and uses the map only if the code is byte-for-byte the bundle that was measured.
 */
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join } from 'node:path';
import type { LazyModule } from './lazyModules';

export interface BundleMap {
  /** The source file whose module body starts at this 0-based position, e.g. node_modules/undici/lib/core/util.js. */
  sourceAt(line: number, column: number): string | undefined;
}

export async function loadBundleMap(projectRoot: string, bundle = readFileSync(join(projectRoot, 'dist/extension.js'), 'utf8')): Promise<BundleMap | { error: string }> {
  // Resolved from the project, like esbuild.js does.
  const esbuild = (await import(require.resolve('esbuild', { paths: [projectRoot] }))) as typeof import('esbuild');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { bundleOptions } = require(join(projectRoot, 'esbuild.js')) as { bundleOptions(production: boolean): import('esbuild').BuildOptions };
  const result = await esbuild.build({ ...bundleOptions(true), absWorkingDir: projectRoot, sourcemap: 'external', write: false });
  const code = result.outputFiles.find((file) => file.path.endsWith('/extension.js'))?.text ?? '';
  const map = result.outputFiles.find((file) => file.path.endsWith('/extension.js.map'))?.text;
  const withoutComment = code.replace(/\n\/\/# sourceMappingURL=\S+\n?$/, '\n');
  if (!map || withoutComment !== bundle) {
    return { error: 'dist/extension.js is not what esbuild.js --production builds from the current sources (run npm run package first)' };
  }
  const sourceMap = new SourceMap(JSON.parse(map));
  const lines = bundle.split('\n');
  return {
    sourceAt(line, column) {
      // The body's first mapped token: the nearest mapping at or before a point a little inside it
      // belongs to the body only if it does not lie before the body's start.
      const length = lines[line]?.length ?? 0;
      for (const ahead of [8, 32, 128, 512, 2048, 8192]) {
        const entry = sourceMap.findEntry(line, Math.min(column + ahead, Math.max(column, length - 1))) as {
          generatedLine?: number;
          generatedColumn?: number;
          originalSource?: string;
        };
        if (entry.originalSource && entry.generatedLine === line && (entry.generatedColumn ?? -1) >= column) {
          return normalise(entry.originalSource);
        }
      }
      return undefined;
    },
  };
}

function normalise(source: string): string {
  // esbuild writes paths relative to the map's folder (dist/): ../node_modules/…, ../src/….
  return source.replace(/^(\.\.\/)+/, '').replace(/^file:\/\//, '');
}

/** The package a bundled source belongs to: `undici`, `mime-db`, or `src` for the extension's own code. */
export function packageOf(source: string): string {
  const match = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source);
  return match ? match[1] : source.startsWith('src/') ? 'src' : source;
}

export interface NamedModule extends LazyModule {
  source?: string;
}

/**
 * Names each module by its source file. A module that has run may have lost its body (esbuild's ES
 * module initialisers drop it): `earlier`, a reading taken before it ran, names it by its binding.
 */
export function nameModules(modules: LazyModule[], map: BundleMap | undefined, earlier: NamedModule[] = []): NamedModule[] {
  const byBinding = new Map(earlier.map((module) => [module.binding, module.source]));
  return modules.map((module) => ({
    ...module,
    source:
      (module.path ? normalise(module.path) : module.line !== undefined && module.column !== undefined ? map?.sourceAt(module.line, module.column) : undefined) ??
      byBinding.get(module.binding),
  }));
}
