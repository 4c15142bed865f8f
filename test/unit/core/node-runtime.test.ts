import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_AGENT_IMAGE } from '../../../core/agent-manifest';
import {
  AGENT_BUNDLE_TARGET,
  DEPLOYED_AGENT_IMAGE,
  DEPLOYED_NODE_MAJOR,
  DEVELOPMENT_NODE_MAJOR,
  LAMBDA_BUNDLE_TARGET,
  LAMBDA_RUNTIME_NAME,
  TOOL_BUNDLE_TARGET,
} from '../../../core/node-runtime';
import { buildAgentBundle } from '../../../cdk/lib/build-agent-bundle';
import { parseFleetConfig } from '../../../cdk/lib/fleet-config';
import fleetExample from '../../../fleet.example.json';

const ROOT = join(__dirname, '..', '..', '..');
const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string }; scripts: Record<string, string> };

// package.json and .ci/run cannot import TypeScript: these tests hold them to core/node-runtime.json.
describe('the Node.js runtime, named once in core/node-runtime.json', () => {
  it('is the development major in package.json engines', () => {
    expect(packageJson.engines.node).toBe(`>=${DEVELOPMENT_NODE_MAJOR}`);
  });

  it('is what .ci/run reads and compares with the machine\'s node before it installs and tests', () => {
    const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8');
    expect(ci).toContain("require('./core/node-runtime.json').development");
    expect(ci.indexOf('node-runtime.json')).toBeLessThan(ci.indexOf('npm ci'));
  });

  it('names the deployed major in the Lambda runtime, the Lambda and agent bundle targets and the DaemonSet image tag', () => {
    expect(LAMBDA_RUNTIME_NAME).toBe(`nodejs${DEPLOYED_NODE_MAJOR}.x`);
    expect(LAMBDA_BUNDLE_TARGET).toBe(`node${DEPLOYED_NODE_MAJOR}`);
    expect(TOOL_BUNDLE_TARGET).toBe(`node${DEVELOPMENT_NODE_MAJOR}`);
    expect(AGENT_BUNDLE_TARGET).toBe(`node${Math.min(DEVELOPMENT_NODE_MAJOR, DEPLOYED_NODE_MAJOR)}`);
    // The tag's leading number is the major, whatever follows (-alpine, a digest).
    expect(/:(\d+)[^/:]*(@sha256:[0-9a-f]{64})?$/.exec(DEPLOYED_AGENT_IMAGE)?.[1]).toBe(String(DEPLOYED_NODE_MAJOR));
    expect(DEFAULT_AGENT_IMAGE).toBe(DEPLOYED_AGENT_IMAGE);
  });

  it('is the image of the example fleet and of the fleet default', () => {
    expect(fleetExample.agentImage).toBe(DEPLOYED_AGENT_IMAGE);
    expect(parseFleetConfig({ clusters: [{ name: 'c' }] }).agentImage).toBe(DEPLOYED_AGENT_IMAGE);
  });

  it('is the machine\'s node major here (CI runs the development major)', () => {
    expect(Number(process.versions.node.split('.')[0])).toBe(DEVELOPMENT_NODE_MAJOR);
  });
});

describe('the agent bundle', () => {
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'kinsight-build-'));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('is byte for byte the same from the CDK app as from npm run build (one definition of the esbuild options)', () => {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(ROOT, 'scripts', 'build.ts'), out], { cwd: ROOT, stdio: 'pipe' });
    const fromBuild = readFileSync(join(out, 'agent.js'));
    const fromCdk = buildAgentBundle();
    expect(readFileSync(fromCdk.path).equals(fromBuild)).toBe(true);
    expect(fromBuild.length).toBeGreaterThan(10_000);
    // What npm run build makes is minified CommonJS for the agent target.
    expect(packageJson.scripts.build).toBe('tsx scripts/build.ts');
  });
});
