// Bundles the extension into dist/extension.js: CommonJS for VS Code's Node extension host,
// `vscode` external, minified without source maps for production, with them for development.
const esbuild = require('esbuild');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** Prints build problems in the format VS Code's problem matchers read. */
const problemReporter = {
  name: 'problem-reporter',
  setup(build) {
    build.onEnd((result) => {
      for (const { text, location } of [...result.errors, ...result.warnings]) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) {
          console.error(`    ${location.file}:${location.line}:${location.column}:`);
        }
      }
    });
  },
};

/** The bundle's options; the benchmark rebuilds the same bundle with a source map to name modules. */
function bundleOptions(forProduction) {
  return {
    entryPoints: ['src/extension.ts'],
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    outfile: 'dist/extension.js',
    external: ['vscode'],
    minify: forProduction,
    sourcemap: !forProduction,
    sourcesContent: false,
    logLevel: 'silent',
  };
}

async function main() {
  const context = await esbuild.context({ ...bundleOptions(production), metafile: true, plugins: [problemReporter] });
  if (watch) {
    await context.watch();
    return;
  }
  const result = await context.rebuild();
  await context.dispose();
  if (process.argv.includes('--report')) {
    console.log(await esbuild.analyzeMetafile(result.metafile));
  }
}

module.exports = { bundleOptions };

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
