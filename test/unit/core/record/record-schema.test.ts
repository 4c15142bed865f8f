import Ajv2020 from 'ajv/dist/2020';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentStats, NodeRecord } from '../../../../core/record';
import { parseRecord } from '../../../../core/record/parse-record';
import { toRecordJson } from '../../../../core/record/record-data';
import schema from '../../../../core/record/record.schema.json';
import { collectNode, createCollectMemory } from '../../../../node-agent/collect/collect-node';
import { createHostReader } from '../../../../node-agent/collect/host-reader';
import { toNodeRecord } from '../../../../node-agent/delta';
import { createClusterModel, toPodsOnHost } from '../../../../sim/cluster/cluster-model';
import { createHostTree } from '../../../../sim/node/host-tree';
import { toSimNodeRecord } from '../../../../sim/node/sim-node-record';
import { toRecordFixture } from '../../../helpers/record-fixtures';

/**
 * The JSON Schema of the record (what another implementation of an agent or a reader follows) and
 * parseRecord (what the enricher and `kinsight replay` accept) must give the same verdict on any 2.x
 * document. Checked on real documents and on mutations of one at every member and level.
 */

const validate = new Ajv2020({ allErrors: true }).compile(schema);
const schemaAccepts = (doc: unknown): boolean => validate(doc);
const parserAccepts = (doc: unknown): boolean => parseRecord(doc).ok;

const AGENT: AgentStats = { version: '0.2.0', collectionMs: 12.5, recordsSent: 1, retries: 0, dropped: 0, bufferedRecords: 0, rssBytes: 61_000_000, readErrors: 0, podsVanished: 0 };
const ROOT = join(__dirname, '../../../..');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The document as sent for a record (the JSON the codec compresses), as a JSON value. */
const toDocument = (record: NodeRecord): unknown => JSON.parse(toRecordJson(record));

/** The first record and the next one of a host root, through the agent's own collect and delta steps; `advance` runs between the two samples. */
function toAgentRecords(root: string, node: string, advance: () => void = () => undefined): NodeRecord[] {
  const host = createHostReader(root);
  const memory = createCollectMemory();
  const first = collectNode(host, 1_700_000_000_000, memory);
  advance();
  // The monotonic clock of a real host barely moves between two reads: the second sample is a minute later.
  const second = { ...collectNode(host, 1_700_000_060_000, memory), monotonicMs: first.monotonicMs + 60_000 };
  const identity = { cluster: 'prod', node, agent: AGENT };
  return [toNodeRecord(undefined, first, identity).record, toNodeRecord(first, second, identity).record];
}

function toValidDocuments(): [string, unknown][] {
  const docs: [string, NodeRecord][] = [];
  toAgentRecords('/', hostname()).forEach((r, i) => docs.push([`this machine, record ${i + 1}`, r]));
  for (const host of readdirSync(join(ROOT, 'test/fixtures/hosts'))) {
    toAgentRecords(join(ROOT, 'test/fixtures/hosts', host), 'ip-10-0-1-2').forEach((r, i) => docs.push([`fixture host ${host}, record ${i + 1}`, r]));
  }
  for (const spec of [
    { cgroupVersion: 2, driver: 'systemd', runtime: 'containerd' },
    { cgroupVersion: 1, driver: 'cgroupfs', runtime: 'docker' },
  ] as const) {
    const dir = mkdtempSync(join(tmpdir(), 'kinsight-schema-'));
    dirs.push(dir);
    const tree = createHostTree(dir, { ...spec, cores: 4, memTotalBytes: 2 ** 34, pods: toPodsOnHost(createClusterModel({ name: 'schema', nodeCount: 1, podsPerNode: 8, containersPerNode: 14, allRunning: true }).nodeState(0).pods) });
    toAgentRecords(tree.root, 'ip-10-0-1-3', () => tree.advance(60, { cpuUtilization: 0.5 })).forEach((r, i) => docs.push([`generated host v${spec.cgroupVersion} ${spec.runtime}, record ${i + 1}`, r]));
  }
  docs.push(['fixture record, cgroup v1', toRecordFixture(1)], ['fixture record, cgroup v2', { ...toRecordFixture(2), agent: AGENT }]);
  const model = createClusterModel({ name: 'sim', nodeCount: 3, podsPerNode: 6 });
  for (let i = 0; i < model.nodes.count; i += 1) {
    const node = model.nodeState(i);
    docs.push([`simulated ${node.name}, first`, toSimNodeRecord('sim', node, 1_700_000_000_000)]);
    docs.push([`simulated ${node.name}, next`, toSimNodeRecord('sim', node, 1_700_000_060_000, 60_000)]);
  }
  return docs.map(([name, record]) => [name, toDocument(record)]);
}

/** The richest document: every level present (node and pod interfaces, a host-network pod, container names, disk operations of v1, inodes, agent figures). */
function toRichDocument(): Record<string, unknown> {
  const record = toRecordFixture(1);
  record.pods[0].containers[0].name = 'web';
  record.agent = AGENT;
  return toDocument(record) as Record<string, unknown>;
}

type Path = (string | number)[];
const show = (path: Path): string => path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
const at = (doc: unknown, path: Path): unknown => path.reduce<unknown>((v, key) => (v as Record<string | number, unknown>)[key], doc);
/** A value of another JSON type than `v`. */
const otherType = (v: unknown): unknown => (typeof v === 'string' ? 7 : typeof v === 'number' ? '7' : typeof v === 'boolean' ? 'true' : v === null || Array.isArray(v) ? {} : []);
// The columns and disk operations of the rich document below, in the order the encoder writes them.
const GAUGE_COLUMNS = ['memoryUsageBytes', 'memoryWorkingSetBytes', 'memoryRssBytes', 'memoryCacheBytes', 'memoryMappedFileBytes', 'memorySwapBytes', 'memoryMaxUsageBytes', 'memoryFailcnt'];
const DELTA_COLUMNS = ['cpuUsageNs', 'cpuUserNs', 'cpuSystemNs', 'memoryPgfault', 'memoryPgmajfault'];
const NET_COLUMNS = ['rxBytes', 'rxPackets', 'rxDropped', 'rxErrors', 'txBytes', 'txPackets', 'txDropped', 'txErrors'];
const DISK_OPS = ['read', 'write', 'sync', 'async', 'total'];
/** The tables whose columns must have one item per row: a rule between members, beyond JSON Schema. */
const TABLES = new Set<unknown>(['cgroups', 'pods', 'containers', 'interfaces']);

interface Mutation {
  kind: 'drop' | 'other type' | 'one item fewer' | 'extra member';
  path: string;
  doc: unknown;
}

/** Every member dropped or given another type, the first item of every array given another type, every array one item shorter, an extra member in every object. */
function toMutations(base: Record<string, unknown>): Mutation[] {
  const out: Mutation[] = [];
  const mutate = (kind: Mutation['kind'], path: Path, change: (parent: Record<string | number, unknown>, key: string | number) => void) => {
    const doc = structuredClone(base);
    const parent = path.length === 0 ? { '': doc } : (at(doc, path.slice(0, -1)) as Record<string | number, unknown>);
    change(parent, path.length === 0 ? '' : path[path.length - 1]);
    out.push({ kind, path: path.length === 0 ? '(document)' : show(path), doc });
  };
  const walk = (value: unknown, path: Path): void => {
    if (Array.isArray(value)) {
      if (value.length === 0) return;
      mutate('one item fewer', path, (parent, key) => void (parent[key] as unknown[]).pop());
      mutate('other type', [...path, 0], (parent, key) => (parent[key] = otherType(value[0])));
      value.forEach((item, i) => walk(item, [...path, i]));
    } else if (typeof value === 'object' && value !== null) {
      mutate('extra member', path, (parent, key) => ((parent[key] as Record<string, unknown>).futureMember = { added: 'in a later minor version' }));
      for (const [key, member] of Object.entries(value)) {
        mutate('drop', [...path, key], (parent, k) => delete parent[k]);
        mutate('other type', [...path, key], (parent, k) => (parent[k] = otherType(member)));
        walk(member, [...path, key]);
      }
    }
  };
  walk(base, []);
  return out;
}

describe('record JSON Schema and parseRecord', () => {
  it('both accept real 2.x documents: agent output from this machine, the fixture hosts and generated hosts, the test fixtures, simulated nodes', () => {
    const docs = toValidDocuments();
    expect(docs.length).toBe(2 + 2 * readdirSync(join(ROOT, 'test/fixtures/hosts')).length + 4 + 2 + 6);
    const refused = docs.filter(([, doc]) => !schemaAccepts(doc) || !parserAccepts(doc)).map(([name, doc]) => ({ name, schema: schemaAccepts(doc) ? 'ok' : validate.errors, parser: parseRecord(doc) }));
    expect(refused).toEqual([]);
  });

  describe('on a document mutated at every member and level', () => {
    const mutations = toMutations(toRichDocument());
    const verdicts = mutations.map((m) => ({ kind: m.kind, path: m.path, schema: schemaAccepts(m.doc), parser: parserAccepts(m.doc) }));
    const tableRule = (v: { kind: string; path: string }) => v.kind === 'one item fewer' && TABLES.has(v.path.split(/[.[]/)[0]);

    it('give the same verdict, except on column lengths, which only the parser can check', () => {
      expect(verdicts.filter((v) => !tableRule(v) && v.schema !== v.parser)).toEqual([]);
      const lengths = verdicts.filter(tableRule);
      expect(lengths.map((v) => v.path)).toEqual([
        ...GAUGE_COLUMNS.map((f) => `cgroups.gauges.${f}`),
        ...DELTA_COLUMNS.map((f) => `cgroups.deltas.${f}`),
        ...['uid', 'qos', 'hostNetwork', 'containers'].map((f) => `pods.${f}`),
        ...['id', 'runtime', 'name'].map((f) => `containers.${f}`),
        'interfaces.pod',
        'interfaces.name',
        ...NET_COLUMNS.map((f) => `interfaces.deltas.${f}`),
      ]);
      expect(lengths.every((v) => v.schema && !v.parser)).toBe(true);
    });

    it('both require the same members: what may be dropped is exactly the optional members', () => {
      expect(verdicts.filter((v) => v.kind === 'drop' && v.parser).map((v) => v.path)).toEqual([
        'elapsedMs',
        ...GAUGE_COLUMNS.map((f) => `cgroups.gauges.${f}`),
        ...DELTA_COLUMNS.map((f) => `cgroups.deltas.${f}`),
        ...NET_COLUMNS.map((f) => `interfaces.deltas.${f}`),
        'disks[0].deltas',
        ...DISK_OPS.map((f) => `disks[0].deltas.serviceBytes.${f}`),
        ...DISK_OPS.map((f) => `disks[0].deltas.serviced.${f}`),
        'filesystems[0].inodes',
        'filesystems[0].inodesFree',
        'agent',
      ]);
      expect(verdicts.filter((v) => v.kind === 'drop' && !v.parser).map((v) => v.path)).toContain('cgroups.deltas');
    });

    it('both accept an extra member in every object, as a later minor version may add one', () => {
      const extras = verdicts.filter((v) => v.kind === 'extra member');
      expect(extras.map((v) => v.path)).toEqual([
        '(document)',
        'cgroups',
        'cgroups.gauges',
        'cgroups.deltas',
        'pods',
        'containers',
        'interfaces',
        'interfaces.deltas',
        'disks[0]',
        'disks[0].deltas',
        'disks[0].deltas.serviceBytes',
        'disks[0].deltas.serviced',
        'filesystems[0]',
        'agent',
      ]);
      expect(extras.filter((v) => !v.schema || !v.parser)).toEqual([]);
    });

    it('both reject a member or an array item of another type, wherever it is', () => {
      const wrong = verdicts.filter((v) => v.kind === 'other type');
      expect(wrong.length).toBe(verdicts.filter((v) => v.kind === 'drop').length + verdicts.filter((v) => v.kind === 'one item fewer').length);
      expect(wrong.filter((v) => v.schema || v.parser)).toEqual([]);
    });
  });

  it.each<[string, 'both accept' | 'both reject' | 'only the parser rejects', (doc: Record<string, any>) => void]>([
    ['elapsedMs below 0', 'both reject', (d) => (d.elapsedMs = -1)],
    ['elapsedMs of 0 (the delta step never sends it)', 'both reject', (d) => (d.elapsedMs = 0)],
    ['a fractional elapsedMs', 'both accept', (d) => (d.elapsedMs = 60_000.25)],
    ['an unknown major', 'both reject', (d) => (d.schemaVersion = '3.0')],
    ['a major with a leading zero', 'both reject', (d) => (d.schemaVersion = '02.0')],
    ['a version without a minor', 'both reject', (d) => (d.schemaVersion = '2')],
    ['major 1 on a 2.x document', 'both reject', (d) => (d.schemaVersion = '1.0')],
    ['a later minor', 'both accept', (d) => (d.schemaVersion = '2.17')],
    ['an empty cluster name', 'both reject', (d) => (d.cluster = '')],
    ['cgroup version 3', 'both reject', (d) => (d.cgroupVersion = 3)],
    ['an unknown QoS class', 'both reject', (d) => (d.pods.qos[0] = 'Guaranteed-ish')],
    ['a negative container count', 'both reject', (d) => (d.pods.containers[0] = -1)],
    ['a fractional container count', 'both reject', (d) => (d.pods.containers[0] = 1.5)],
    ['a negative interface owner', 'both reject', (d) => (d.interfaces.pod[2] = -1)],
    ['a figure given as text', 'both reject', (d) => (d.cgroups.gauges.memoryUsageBytes[1] = '1024')],
    ['a null agent', 'both reject', (d) => (d.agent = null)],
    // Rules on values (record validation): where JSON Schema can state them, both hold them.
    ['a negative figure', 'both reject', (d) => (d.cgroups.deltas.cpuUsageNs[0] = -5)],
    ['a figure beyond 2^53', 'both reject', (d) => (d.cgroups.gauges.memoryUsageBytes[0] = 2 ** 60)],
    ['an elapsedMs below 1 ms', 'both reject', (d) => (d.elapsedMs = 0.5)],
    ['negative cores', 'both reject', (d) => (d.cores = -4)],
    ['fractional cores', 'both reject', (d) => (d.cores = 1.5)],
    ['a MemTotal of 0', 'both reject', (d) => (d.memTotalBytes = 0)],
    ['a cluster name with a colon', 'both reject', (d) => (d.cluster = 'pay:ments')],
    ['a cluster name of 101 characters', 'both reject', (d) => (d.cluster = 'c'.repeat(101))],
    ['a node name with a colon', 'both reject', (d) => (d.node = 'ip-10-0-0-1:1')],
    ['a node name of 3,000 characters', 'both reject', (d) => (d.node = 'n'.repeat(3_000))],
    ['an upper-case node name', 'both reject', (d) => (d.node = 'IP-10-0-0-1')],
    ['a node name of 253 characters', 'both accept', (d) => (d.node = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`)],
    ['a namespace that is not a DNS label', 'both reject', (d) => (d.pods.namespace = ['Shop', null])],
    ['a pod name that is not a DNS subdomain', 'both reject', (d) => (d.pods.name = ['web_1', null])],
    ['a container name that is not a DNS label', 'both reject', (d) => (d.containers.name[0] = 'Web')],
    ['a negative restart increase', 'both reject', (d) => (d.containers.restarts = [-1, null, null])],
    ['a pod UID of 129 characters', 'both reject', (d) => (d.pods.uid[0] = 'u'.repeat(129))],
    ['an empty interface name', 'both reject', (d) => (d.interfaces.name[0] = '')],
    ['257 disks', 'both reject', (d) => (d.disks = Array.from({ length: 257 }, (_, i) => ({ device: `xvd${i}` })))],
    ['a pod UID that is not a UUID', 'both accept', (d) => (d.pods.uid[0] = 'static-pod-hash')],
    ['a runtime this agent does not name', 'both accept', (d) => (d.containers.runtime[0] = 'podman')],
    // Rules between members.
    ['container counts that do not add up', 'only the parser rejects', (d) => (d.pods.containers[0] += 1)],
    ['an interface of a pod that is not there', 'only the parser rejects', (d) => (d.interfaces.pod[2] = 2)],
    ['30 host-network pods on a node of 1,100 interfaces', 'only the parser rejects', (d) => {
      d.interfaces = { pod: Array(1_100).fill(null), name: Array.from({ length: 1_100 }, (_, i) => `eni${i}`), deltas: {} };
      const pods = 30;
      d.pods = { uid: Array.from({ length: pods }, (_, i) => `u${i}`), qos: Array(pods).fill('BestEffort'), hostNetwork: Array(pods).fill(true), containers: Array(pods).fill(0) };
      d.containers = { id: [], runtime: [], name: [] };
      d.cgroups = { gauges: {}, deltas: {} };
    }],
  ])('on %s: %s', (_name, expected, change) => {
    const doc = toRichDocument() as Record<string, any>;
    change(doc);
    const verdict = { schema: schemaAccepts(doc), parser: parserAccepts(doc) };
    const want = { 'both accept': { schema: true, parser: true }, 'both reject': { schema: false, parser: false }, 'only the parser rejects': { schema: true, parser: false } }[expected];
    expect(verdict).toEqual(want);
  });
});
