import { toRecordJson } from '../../../core/record/record-data';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replayCommand } from '../../../cli/replay';
import { ConfigError } from '../../../core/errors';
import type { CliIo } from '../../../cli/io';
import { expectValidEmf } from '../../helpers/emf-validator';
import { toMetadataFixture, toRecordFixture } from './fixtures';

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
    expect(stderr).toMatch(/2 records -> 26 EMF events \(profile classic\); 1 records without node metadata, 2 pods without metadata/);
  });

  it('applies the chosen profile and user declarations', async () => {
    const records = await file('r2.jsonl', toRecordJson(toRecordFixture()));
    const metadata = await file('m2.json', '[]');
    const declarations = await file('d.json', JSON.stringify([{ dimensions: [['ClusterName']], metric_name_selectors: ['^container_cpu_usage_total$'] }]));
    const { stdout } = await run(['replay', '--records', records, '--metadata', metadata, '--profile', 'lean', '--declarations', declarations]);
    const container = stdout.trim().split('\n').map(expectValidEmf).find((d) => d.Type === 'Container') as { _aws: { CloudWatchMetrics: { Metrics: { Name: string }[] }[] } };
    expect(container._aws.CloudWatchMetrics[0].Metrics).toEqual([{ Name: 'container_cpu_usage_total' }]);
  });

  it('rejects a bad record naming the file and line', async () => {
    const records = await file('bad.jsonl', `${toRecordJson(toRecordFixture())}\n{"schemaVersion":"7.0"}\n`);
    const metadata = await file('m3.json', '[]');
    const { code, stderr } = await run(['replay', '--records', records, '--metadata', metadata]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/bad\.jsonl line 2: record schemaVersion "7\.0" has unknown major 7/);
  });

  it('rejects a line that is not JSON, metadata that is not an array and an unknown profile', async () => {
    const metadata = await file('m4.json', '[]');
    const notJson = await file('nj.jsonl', 'hello\n');
    expect((await run(['replay', '--records', notJson, '--metadata', metadata])).stderr).toMatch(/nj\.jsonl line 1: record is not JSON/);
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
