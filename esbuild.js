// Bundles the extension for VS Code's Node extension host, as CommonJS with `vscode` external,
// minified without source maps for production, with them for development, in two files:
//   dist/extension.js  what activation loads: commands, views, Markdown providers;
//   dist/engine.js     the upload engine (src/core/engine.ts: undici, the MIME tables, the
//                      multipart encoder), which the extension requires on its first upload;
//   dist/images.js     the image codecs (src/core/images/optimize/index.ts, jSquash), required
//                      only when an image is optimised, with their .wasm files copied beside it.
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

/**
 * `import('./core/engine')` in the extension's sources becomes a lazily evaluated module of the
 * extension bundle whose body is `require('./engine.js')`: the engine stays out of
 * dist/extension.js and is loaded from beside it on first use.
 */
const engineOnDemand = {
  name: 'engine-on-demand',
  setup(build) {
    build.onResolve({ filter: /(^|\/)core\/engine$/ }, (args) =>
      args.kind === 'entry-point' ? undefined : { path: 'engine', namespace: 'engine-on-demand' },
    );
    build.onLoad({ filter: /.*/, namespace: 'engine-on-demand' }, () => ({ contents: "module.exports = require('./engine.js');", loader: 'js' }));
    build.onResolve({ filter: /^\.\/engine\.js$/, namespace: 'engine-on-demand' }, () => ({ path: './engine.js', external: true }));
  },
};

/** The same for the image codecs: `import('./index')` in beforeSend.ts becomes `require('./images.js')`. */
const imagesOnDemand = {
  name: 'images-on-demand',
  setup(build) {
    build.onResolve({ filter: /^\.\/index$/ }, (args) =>
      /images[\\/]optimize[\\/]beforeSend\.ts$/.test(args.importer) ? { path: 'images', namespace: 'images-on-demand' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'images-on-demand' }, () => ({ contents: "module.exports = require('./images.js');", loader: 'js' }));
    build.onResolve({ filter: /^\.\/images\.js$/, namespace: 'images-on-demand' }, () => ({ path: './images.js', external: true }));
  },
};

/** Copies the codecs' .wasm files into dist/, beside images.js, which reads them from there. */
const copyWasm = {
  name: 'copy-wasm',
  setup(build) {
    build.onEnd(() => {
      const fs = require('fs');
      const path = require('path');
      const files = require('./src/core/images/optimize/wasmFiles.json');
      fs.mkdirSync('dist', { recursive: true });
      for (const [name, from] of Object.entries(files)) {
        fs.copyFileSync(path.join('node_modules', from), path.join('dist', name));
      }
    });
  },
};

/** The bundles' options; the benchmark rebuilds the same bundles with source maps to name modules. */
function bundleOptions(forProduction) {
  return {
    entryPoints: { extension: 'src/extension.ts', engine: 'src/core/engine.ts', images: 'src/core/images/optimize/index.ts' },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    outdir: 'dist',
    external: ['vscode'],
    // The codecs' ES module glue resolves paths against import.meta.url, which CommonJS lacks.
    define: { 'import.meta.url': '__importMetaUrl' },
    banner: { js: "var __importMetaUrl = require('url').pathToFileURL(__filename).href;" },
    plugins: [engineOnDemand, imagesOnDemand, copyWasm],
    minify: forProduction,
    sourcemap: !forProduction,
    sourcesContent: false,
    logLevel: 'silent',
  };
}

async function main() {
  const context = await esbuild.context({ ...bundleOptions(production), metafile: true, plugins: [...bundleOptions(production).plugins, problemReporter] });
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
