import { toRecordJson } from '../../../core/record/record-data';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replayCommand } from '../../../cli/replay';
import { ConfigError } from '../../../core/errors';
import type { CliIo } from '../../../cli/io';
import { expectValidEmf } from '../../helpers/emf-validator';
import { T0, toMetadataFixture, toRecordFixture } from '../../helpers/record-fixtures';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kinsight-replay-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function run(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { env: {}, stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), stopSignal: new AbortController().signal };
    // As cli/run-cli.ts does: a ConfigError is one line on stderr and exit code 1.
  const code = await replayCommand.run(argv.slice(1), io).catch((error: unknown) => {
    if (!(error instanceof ConfigError)) throw error;
    stderr += `${error.message}\n`;
    return 1;
  });
  return { code, stdout, stderr };
}
async function file(name: string, text: string) {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('kinsight replay', () => {
  it('prints one valid EMF event per line for JSON-lines records and a metadata array', async () => {
    const records = await file('r.jsonl', `${toRecordJson(toRecordFixture())}\n\n${toRecordJson({ ...toRecordFixture(2), node: 'other' })}\n`);
    const metadata = await file('m.json', JSON.stringify([toMetadataFixture()]));
    const { code, stdout, stderr } = await run(['replay', '--records', records, '--metadata', metadata]);
    expect(code).toBe(0);
    const docs = stdout.trim().split('\n').map(expectValidEmf);
    expect(docs).toHaveLength(26);
    expect(docs.find((d) => d.Type === 'Pod' && d.PodName === 'web')).toMatchObject({ Namespace: 'shop' });
    expect(stderr).toMatch(/2 records -> 26 EMF events \(profile classic\); 0 records rejected; 1 records without node metadata, 2 pods without metadata \(2 named by neither the document nor the agent\)/);
  });

  it("applies the chosen profile: lean publishes a pod under classic's dimension sets, in an event without classic's attributes", async () => {
    const records = await file('r2.jsonl', toRecordJson(toRecordFixture()));
    const metadata = await file('m2.json', JSON.stringify([toMetadataFixture()]));
    type PodDoc = { kubernetes?: unknown; _aws: { CloudWatchMetrics: { Dimensions: string[][] }[] } };
    const podOf = (stdout: string) => stdout.trim().split('\n').map(expectValidEmf).find((d) => d.Type === 'Pod' && d.PodName === 'report') as PodDoc;
    const lean = await run(['replay', '--records', records, '--metadata', metadata, '--profile', 'lean']);
    expect(lean.stderr).toMatch(/\(profile lean\)/);
    const classic = await run(['replay', '--records', records, '--metadata', metadata, '--profile', 'classic']);
    expect(classic.stderr).toMatch(/\(profile classic\)/);
    const setsOf = (doc: PodDoc) => doc._aws.CloudWatchMetrics.flatMap((d) => d.Dimensions);
    expect(setsOf(podOf(classic.stdout))).toEqual([['ClusterName', 'Namespace', 'PodName'], ['ClusterName', 'Namespace'], ['ClusterName'], ['ClusterName', 'Namespace', 'PodName'], ['ClusterName']]);
    expect(setsOf(podOf(lean.stdout))).toEqual(setsOf(podOf(classic.stdout)));
    expect(podOf(lean.stdout).kubernetes).toBeUndefined();
    expect(podOf(classic.stdout).kubernetes).toMatchObject({ pod_name: 'report-28930120-abcde' });
  });

  it("replaces the profile's declarations with user declarations and keeps the profile's other switches (enhanced: FullPodName, ContainerName)", async () => {
    const records = await file('r3.jsonl', toRecordJson(toRecordFixture()));
    const metadata = await file('m3.json', JSON.stringify([toMetadataFixture()]));
    const declarations = await file('d.json', JSON.stringify([{ dimensions: [['ClusterName']], metric_name_selectors: ['^container_cpu_usage_total$'] }]));
    const { stdout, stderr } = await run(['replay', '--records', records, '--metadata', metadata, '--profile', 'enhanced', '--declarations', declarations]);
    expect(stderr).toMatch(/\(profile custom\)/);
    const docs = stdout.trim().split('\n').map(expectValidEmf) as { Type: string; PodName?: string; FullPodName?: string; ContainerName?: string; _aws?: { CloudWatchMetrics?: unknown } }[];
    const container = docs.find((d) => d.Type === 'Container' && d.PodName === 'web');
    expect(container?._aws?.CloudWatchMetrics).toEqual([{ Namespace: 'ContainerInsights', Dimensions: [['ClusterName']], Metrics: [{ Name: 'container_cpu_usage_total' }] }]);
    expect(container).toMatchObject({ FullPodName: 'web-7d9f8b6c5-x2x4q', ContainerName: 'app' });
    // Nothing else matches the one declaration: no other event publishes a metric.
    expect(docs.filter((d) => d._aws?.CloudWatchMetrics !== undefined).map((d) => d.Type)).toEqual(['Container', 'Container', 'Container']);
  });

  it('prints the events of the good records of a file mixing good and bad ones, and names each rejected one with the enricher reason', async () => {
    const good = toRecordJson(toRecordFixture());
    const lines = [
      good,
      '{"schemaVersion":"7.0"}',
      toRecordJson({ ...toRecordFixture(), node: 'ip-10-0-0-1:8080' }),
      'hello',
      toRecordJson({ ...toRecordFixture(), cores: -4 }),
      toRecordJson({ ...toRecordFixture(), cluster: 'payments' }),
      toRecordJson({ ...toRecordFixture(), timeMs: T0 + 60_000 }),
    ];
    const records = await file('mixed.jsonl', `${lines.join('\n')}\n`);
    const metadata = await file('m3.json', JSON.stringify([toMetadataFixture()]));
    const { code, stdout, stderr } = await run(['replay', '--records', records, '--metadata', metadata, '--clusters', 'prod']);
    expect(code).toBe(1);
    const docs = stdout.trim().split('\n').map(expectValidEmf);
    expect(docs.filter((d) => d.Type === 'Node').map((d) => d._aws && (d._aws as { Timestamp: number }).Timestamp)).toEqual([T0, T0 + 60_000]);
    expect(stderr.split('\n').filter((l) => l.includes('rejected:'))).toEqual([
      expect.stringMatching(/mixed\.jsonl line 2 rejected: record schemaVersion "7\.0" has unknown major 7/),
      expect.stringMatching(/mixed\.jsonl line 3 rejected: record node "ip-10-0-0-1:8080" is not a node name Kubernetes allows/),
      expect.stringMatching(/mixed\.jsonl line 4 rejected: record is not JSON/),
      expect.stringMatching(/mixed\.jsonl line 5 rejected: record cores must be an integer from 1 to 4096, got -4/),
      expect.stringMatching(/mixed\.jsonl line 6 rejected: record of cluster "payments", which is not one of the fleet's/),
    ]);
    expect(stderr).toMatch(/2 records -> 26 EMF events \(profile classic\); 5 records rejected/);
  });

  it('rejects metadata that is not an array and an unknown profile', async () => {
    const metadata = await file('m4.json', '[]');
    const records = await file('ok.jsonl', toRecordJson(toRecordFixture()));
    const obj = await file('obj.json', '{}');
    expect((await run(['replay', '--records', records, '--metadata', obj])).stderr).toMatch(/expected a JSON array of node metadata documents/);
    expect((await run(['replay', '--records', records, '--metadata', metadata, '--profile', 'huge'])).stderr).toMatch(/unknown profile "huge"/);
  });

  it('rejects missing flags and invalid declarations', async () => {
    expect((await run(['replay', '--records', 'x'])).stderr).toMatch(/--records FILE and --metadata FILE are required/);
    const records = await file('ok2.jsonl', toRecordJson(toRecordFixture()));
    const metadata = await file('m5.json', '[]');
    const bad = await file('bad-decl.json', JSON.stringify([{ dimensions: [['ClusterName']], metricNameSelectors: ['('] }]));
    const { code, stderr } = await run(['replay', '--records', records, '--metadata', metadata, '--declarations', bad]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/not a valid regular expression/);
  });
});
