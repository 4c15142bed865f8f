import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAllYaml } from '@kubernetes/client-node';
import type { CliIo } from '../../../cli/io';
import { manifestCommand } from '../../../cli/manifest';

describe('kinsight manifest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kinsight-manifest-'));
  const bundle = join(dir, 'agent.js');
  const agentCode = '"use strict";\nconsole.log("agent");\n';
  writeFileSync(bundle, agentCode);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = async (argv: string[], env: NodeJS.ProcessEnv = {}) => {
    let stdout = '';
    let stderr = '';
    const io: CliIo = { env, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), stopSignal: new AbortController().signal };
    // What `kinsight` does with a ConfigError (cli/run-cli.ts): one line on stderr, exit 1.
    const code = await manifestCommand.run(argv, io).catch((error: Error) => {
      stderr += `kinsight manifest: ${error.message}\n`;
      return error.name === 'ConfigError' ? 1 : 2;
    });
    return { code, stdout, stderr };
  };

  it('prints the six objects as a YAML stream that kubectl-style parsers read back', async () => {
    const { code, stdout } = await run(['--cluster', 'prod-eu', '--stream', 'arn:aws:kinesis:eu-west-1:111111111111:stream/kinsight', '--bundle', bundle]);
    expect(code).toBe(0);
    const docs = loadAllYaml(stdout) as any[];
    expect(docs.map((d) => d.kind)).toEqual(['Namespace', 'ServiceAccount', 'ConfigMap', 'ClusterRole', 'ClusterRoleBinding', 'DaemonSet']);
    expect(docs[2].data['agent.js']).toBe(agentCode);
    const env = Object.fromEntries(docs[5].spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    // The region comes from the stream ARN; the agent takes the ARN as its stream.
    expect(env).toMatchObject({ AWS_REGION: 'eu-west-1', KINSIGHT_STREAM_NAME: 'arn:aws:kinesis:eu-west-1:111111111111:stream/kinsight', KINSIGHT_CLUSTER_NAME: 'prod-eu' });
  });

  it('takes the image, interval, region and IRSA role from flags', async () => {
    const { stdout } = await run([
      '--cluster', 'c1', '--stream', 'kinsight', '--region', 'us-west-2', '--image', 'node:22-slim', '--interval', '30s',
      '--irsa-role-arn', 'arn:aws:iam::111111111111:role/agent', '--key-secret', 'kinsight/c1/record-key', '--bundle', bundle,
    ]);
    const docs = loadAllYaml(stdout) as any[];
    const container = docs[5].spec.template.spec.containers[0];
    expect(container.image).toBe('node:22-slim');
    expect(container.env).toEqual(expect.arrayContaining([{ name: 'KINSIGHT_INTERVAL', value: '30s' }, { name: 'AWS_REGION', value: 'us-west-2' }, { name: 'KINSIGHT_KEY_SECRET', value: 'kinsight/c1/record-key' }]));
    expect(docs[1].metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111111111111:role/agent' });
  });

  it('takes the agent\'s uid, gid and the kubelet\'s pod log directory from flags', async () => {
    const { stdout } = await run(['--cluster', 'c1', '--stream', 's', '--region', 'eu-west-1', '--run-as-user', '61000', '--run-as-group', '61001', '--pod-logs-dir', '/data/pods', '--bundle', bundle]);
    const pod = (loadAllYaml(stdout) as any[])[5].spec.template.spec;
    expect([pod.securityContext.runAsUser, pod.securityContext.runAsGroup]).toEqual([61000, 61001]);
    expect(pod.containers[0].env).toContainEqual({ name: 'KINSIGHT_POD_LOGS_DIR', value: '/data/pods' });
  });

  it('fails on a uid that is not a number, and on uid 0', async () => {
    expect((await run(['--cluster', 'c1', '--stream', 's', '--region', 'eu-west-1', '--run-as-user', 'nobody', '--bundle', bundle])).stderr).toMatch(/--run-as-user "nobody" is not a number; expected a uid or gid such as 65529/);
    expect((await run(['--cluster', 'c1', '--stream', 's', '--region', 'eu-west-1', '--run-as-user', '0', '--bundle', bundle])).stderr).toMatch(/runAsUser is "0"; expected an integer from 1 to 2147483647/);
  });

  it('takes the region from AWS_REGION when the stream is a plain name', async () => {
    const { stdout } = await run(['--cluster', 'c1', '--stream', 'kinsight', '--bundle', bundle], { AWS_REGION: 'ap-south-1' });
    expect(stdout).toContain('value: ap-south-1');
  });

  it('prints the applier RBAC bootstrap with --applier-rbac', async () => {
    const { code, stdout } = await run(['--applier-rbac']);
    expect(code).toBe(0);
    expect((loadAllYaml(stdout) as any[]).map((d) => `${d.kind}/${d.metadata.name}`)).toEqual(['ClusterRole/kinsight-applier', 'ClusterRoleBinding/kinsight-applier', 'ClusterRole/kinsight-poller', 'ClusterRoleBinding/kinsight-poller']);
  });

  it('fails clearly when the bundle is missing', async () => {
    const { code, stderr } = await run(['--cluster', 'c1', '--stream', 's', '--region', 'eu-west-1', '--bundle', join(dir, 'nope.js')]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/agent bundle ".*nope\.js" does not exist; expected the file npm run build writes/);
  });

  it('fails without a cluster', async () => {
    const { code, stderr } = await run(['--stream', 's', '--bundle', bundle]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/no cluster; pass --cluster NAME/);
  });

  it('fails without a stream', async () => {
    expect((await run(['--cluster', 'c1', '--bundle', bundle])).stderr).toMatch(/no stream; pass --stream NAME_OR_ARN/);
  });

  it('fails without any region', async () => {
    expect((await run(['--cluster', 'c1', '--stream', 's', '--bundle', bundle])).stderr).toMatch(/no region; pass --region/);
  });

  it('fails on an unknown flag', async () => {
    expect((await run(['--cluster', 'c1', '--strem', 's'])).stderr).toMatch(/Unknown option '--strem'.*see kinsight manifest --help/);
  });

  it('fails on an interval that is not a duration', async () => {
    expect((await run(['--cluster', 'c1', '--stream', 's', '--region', 'eu-west-1', '--interval', 'often', '--bundle', bundle])).stderr).toMatch(/interval is "often"; expected a duration/);
  });
});
