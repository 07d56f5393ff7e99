// Bundles index.js into a minified IIFE that sets window.Plotly, wrapped the way plotly.js's
// own dist files are (tasks/bundle.mjs + esbuild-config.js of plotly.js 4.1.1).
// Run through build.sh, which installs the pinned packages with `npm ci` first.
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const outfile = process.argv[2];
if (!outfile) {
    console.error('usage: node build.mjs OUTFILE');
    process.exit(2);
}
const { version } = require('plotly.js/package.json');

const banner = [
    '/**',
    `* plotly.js (creative - minified) v${version}`,
    '* Partial bundle: scatter, bar, choropleth, scattergeo; locales en, en-US, ru',
    '* Copyright 2012-2026, Plotly, Inc.',
    '* All rights reserved.',
    '* Licensed under the MIT license',
    '*/',
    '(',
    ' function(root, factory) {',
    '  if (typeof module === "object" && module.exports) {',
    '   module.exports = factory();',
    '  } else {',
    '   root.Plotly = factory();',
    '  }',
    '} (typeof self !== "undefined" ? self : this, () => {'
    // esbuild itself emits the "use strict" directive that follows (the sources have it).
].join('\n');

const footer = ['', 'window.Plotly = Plotly;', 'return Plotly;', '}));', ''].join('\n');

await build({
    absWorkingDir: here,
    entryPoints: [path.join(here, 'index.js')],
    outfile,
    format: 'iife',
    globalName: 'Plotly',
    bundle: true,
    minify: true,
    sourcemap: false,
    target: 'es2016',
    platform: 'browser',
    // As plotly.js's esbuild-config.js: the bundle runs in a browser window.
    define: { global: 'window', 'define.amd': 'false' },
    // src/registry.js require()s maplibre-gl's CSS for 'map' subplots only: none is bundled,
    // so the stylesheet is an empty module (plotly.js inlines it with a plugin instead).
    loader: { '.css': 'empty' },
    banner: { js: banner },
    footer: { js: footer },
    logLevel: 'info'
});
