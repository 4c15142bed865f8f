import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { toBundleSha256 } from '../../core/agent-manifest';
import { agentBundleOptions } from '../../scripts/bundle-options';
import { PROJECT_ROOT } from './kinsight-function';

/** The agent bundle the applier's code package carries. */
export interface AgentBundle {
  /** Where the bundle was written. */
  readonly path: string;
  /** SHA-256 (hex) of its text. */
  readonly sha256: string;
}

/**
 * Bundles the agent with the options `npm run build` uses (scripts/bundle-options.ts), into a
 * temporary folder named after its hash (concurrent synths never share a file).
 */
export function buildAgentBundle(projectRoot = PROJECT_ROOT): AgentBundle {
  const result = buildSync({ ...agentBundleOptions(projectRoot), write: false });
  const code = result.outputFiles[0].text;
  const sha256 = toBundleSha256(code);
  const outdir = join(tmpdir(), `kinsight-agent-${sha256.slice(0, 16)}`);
  mkdirSync(outdir, { recursive: true });
  const path = join(outdir, 'agent.js');
  writeFileSync(path, code);
  return { path, sha256 };
}
