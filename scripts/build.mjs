// Bundles the CLI, the node agent and the benchmarks with esbuild. The Lambdas are bundled by the CDK app.
import { build } from 'esbuild';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: false, logLevel: 'warning', legalComments: 'none' };
// kinesalite and dynalite load their actions with computed require() paths, which a bundle cannot hold:
// the CLI and the benchmarks (which run from the repository) require them from node_modules.
const emulators = ['kinesalite', 'dynalite'];
const benches = existsSync('bench') ? readdirSync('bench').filter((f) => f.endsWith('.ts')) : [];

const started = Date.now();
await Promise.all([
  build({ ...common, entryPoints: ['cli/main.ts'], outfile: 'dist/kinsight.js', external: emulators }),
  // The agent ships alone in a ConfigMap: minified, no dependencies outside the bundle.
  build({ ...common, entryPoints: ['node-agent/main.ts'], outfile: 'dist/agent.js', minify: true }),
  ...benches.map((f) => build({ ...common, entryPoints: [join('bench', f)], outfile: join('dist', 'bench', f.replace(/\.ts$/, '.js')), external: emulators })),
]);
if (process.env.KINSIGHT_BUILD_VERBOSE) console.error(`built in ${Date.now() - started} ms`);
