// Builds every bundle the project ships or tests with. Separate bundles keep TensorFlow.js out of the
// extension host: only the trainer and the command line ever contain it.
//   node esbuild.config.mjs            build once
//   node esbuild.config.mjs --watch    rebuild on change
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const watch = process.argv.includes('--watch');
const production = process.env.NODE_ENV === 'production';

// The options of every Node bundle, shared with the tests that bundle the trainer and the CLI themselves
// (test/unit/engine/helpers.ts, test/unit/cli/cli.test.ts), so a test runs what `npm run build` makes:
// - external: resolved at run time, never bundled: VS Code's API, the native TensorFlow builds (optional,
//   and loaded only from the extension's own install or a folder the user names) and Dawn's native module;
// - mainFields: prefer ES module builds: jsonc-parser's UMD "main" requires its parts dynamically, which a
//   bundle cannot follow;
// - define: tfjs-backend-wasm's emscripten glue probes for NODE_DEBUG; it is never taken in Node.
const nodeOptions = JSON.parse(readFileSync(new URL('./esbuild.node.json', import.meta.url), 'utf8'));
const nodeExternals = nodeOptions.external;

const common = {
  bundle: true,
  sourcemap: true,
  minify: production,
  logLevel: 'info',
  legalComments: 'none',
};

const nodeCommon = { ...common, ...nodeOptions };

/** Entry points that exist; the list grows as modules land, and a missing one is not an error. */
function existing(entries) {
  return entries.filter((e) => existsSync(e.in));
}

const nodeBundles = existing([
  { in: 'src/extension/main.ts', out: 'dist/extension.js' },
  { in: 'src/engine/trainer-main.ts', out: 'dist/trainer.js' },
  { in: 'src/cli/main.ts', out: 'dist/cli.js', banner: '#!/usr/bin/env node' },
  { in: 'bench/main.ts', out: 'dist/bench.js' },
]).map((e) => ({
  ...nodeCommon,
  entryPoints: [e.in],
  outfile: e.out,
  banner: e.banner ? { js: e.banner } : undefined,
}));

const webviewBundles = existing([{ in: 'webview/main.ts', out: 'dist/webview.js' }]).map((e) => ({
  ...common,
  platform: 'browser',
  target: 'es2022',
  format: 'iife',
  entryPoints: [e.in],
  outfile: e.out,
  loader: { '.css': 'text' },
}));

// Test code: the integration suite runs inside the extension host (vscode external), the harness in
// plain Node. Every .ts file under these folders becomes its own bundle under out/.
function testBundles() {
  const out = [];
  for (const dir of ['test/integration', 'test/harness', 'test/e2e']) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) {
      if (!f.endsWith('.ts') || f.endsWith('.d.ts')) continue;
      out.push({
        ...nodeCommon,
        external: [...nodeExternals, 'playwright-core', 'mocha', '@vscode/test-electron'],
        entryPoints: [join(dir, f)],
        outfile: join('out', dir, f.replace(/\.ts$/, '.js')),
      });
    }
  }
  return out;
}

function copyAssets() {
  // The wasm backend loads its binaries from files beside the bundle (setWasmPaths), never from a network.
  const wasmSrc = 'node_modules/@tensorflow/tfjs-backend-wasm/dist';
  mkdirSync('dist/wasm', { recursive: true });
  for (const f of readdirSync(wasmSrc)) {
    if (f.endsWith('.wasm')) cpSync(join(wasmSrc, f), join('dist/wasm', f));
  }
  // The PyTorch program `dlmodel export` and the torch backend write out (src/export/pytorch.ts).
  mkdirSync('dist/python', { recursive: true });
  cpSync('src/export/python/train.py', 'dist/python/train.py');
  const uplotCss = 'node_modules/uplot/dist/uPlot.min.css';
  if (existsSync(uplotCss)) cpSync(uplotCss, 'dist/uPlot.min.css');
}

const all = [...nodeBundles, ...webviewBundles, ...testBundles()];

if (watch) {
  copyAssets();
  for (const opts of all) {
    const ctx = await esbuild.context(opts);
    await ctx.watch();
  }
} else {
  await Promise.all(all.map((opts) => esbuild.build(opts)));
  copyAssets();
}
