// Bundles the CLI (and kinsight doctor's AWS part), the node agent and the benchmarks with esbuild. The Lambdas are bundled by the CDK app.
// Usage: tsx scripts/build.ts [outdir] (default dist)
import { build, type Plugin } from 'esbuild';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TOOL_BUNDLE_OPTIONS, agentBundleOptions } from './bundle-options';

const root = resolve(__dirname, '..');
const out = resolve(process.argv[2] ?? join(root, 'dist'));
// kinesalite and dynalite load their actions with computed require() paths, which a bundle cannot hold:
// the CLI and the benchmarks (which run from the repository) require them from node_modules.
const emulators = ['kinesalite', 'dynalite'];
// kinsight doctor's AWS part (the SDK clients of EC2, IAM, CloudFormation, CloudWatch: megabytes) is a
// bundle of its own that the CLI requires only when the doctor runs: the other commands start without it.
const DOCTOR_BUNDLE = 'kinsight-doctor.js';
const doctorApart: Plugin = {
  name: 'doctor-apart',
  setup(b) {
    b.onResolve({ filter: /\/run-aws-doctor$/ }, () => ({ path: `./${DOCTOR_BUNDLE}`, external: true }));
  },
};
const benchDir = join(root, 'bench');
const benches = existsSync(benchDir) ? readdirSync(benchDir).filter((f) => f.endsWith('.ts')) : [];

async function main(): Promise<void> {
  const started = Date.now();
  await Promise.all([
    build({ ...TOOL_BUNDLE_OPTIONS, entryPoints: [join(root, 'cli', 'main.ts')], outfile: join(out, 'kinsight.js'), external: emulators, plugins: [doctorApart] }),
    build({ ...TOOL_BUNDLE_OPTIONS, entryPoints: [join(root, 'cli', 'doctor', 'run-aws-doctor.ts')], outfile: join(out, DOCTOR_BUNDLE) }),
    build({ ...agentBundleOptions(root), outfile: join(out, 'agent.js') }),
    ...benches.map((f) => build({ ...TOOL_BUNDLE_OPTIONS, entryPoints: [join(benchDir, f)], outfile: join(out, 'bench', f.replace(/\.ts$/, '.js')), external: emulators })),
  ]);
  if (process.env.KINSIGHT_BUILD_VERBOSE) console.error(`built in ${Date.now() - started} ms`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
