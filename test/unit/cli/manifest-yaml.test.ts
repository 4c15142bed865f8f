import { loadAllYaml } from '@kubernetes/client-node';
import { toAgentManifest, type KubeObject } from '../../../core/agent-manifest';
import { toApplierRbac } from '../../../core/applier-rbac';
import { toManifestYaml } from '../../../cli/manifest-yaml';

// A bundle as esbuild writes it: lines far longer than a YAML dumper's default width of 80,
// template literals, quotes, backslashes and a trailing newline.
const BUNDLE = `"use strict";var a=${JSON.stringify('x'.repeat(300))};function f(e){return e.split(\`\n\`).map((t)=>t.replace(/\\s+/g,' '))}\nconsole.log('it\\'s "here"', f(a));\n`;

const objects = toAgentManifest({
  clusterName: 'prod-eu',
  streamName: 'kinsight-records',
  region: 'eu-west-1',
  agentBundle: BUNDLE,
  serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111111111111:role/agent' },
  keySecret: 'kinsight/agent-key/prod-eu',
  runAsUser: 61000,
  runAsGroup: 61001,
  podLogsDir: '/data/kubelet/pods-logs',
});
const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('toManifestYaml', () => {
  it('renders the agent manifest as a stream a parser reads back as exactly the objects: no field lost to the client model\'s serializer', () => {
    expect(loadAllYaml(toManifestYaml(objects)).map(asJson)).toEqual(asJson(objects));
  });

  it('renders the applier bootstrap that a parser reads back unchanged', () => {
    const rbac = toApplierRbac('kinsight');
    expect(loadAllYaml(toManifestYaml(rbac)).map(asJson)).toEqual(asJson(rbac));
  });

  it('keeps the agent bundle a literal block, unfolded, whatever its line lengths', () => {
    const yaml = toManifestYaml(objects);
    expect(yaml).toContain(`  agent.js: |\n    "use strict";var a="${'x'.repeat(300)}";`);
  });

  it('quotes strings that YAML 1.1 parsers read as booleans or numbers', () => {
    const configMap: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'words' }, data: { a: 'yes', b: 'on', c: 'No', d: '10', e: '0x1F', f: 'true', g: '~' } };
    const yaml = toManifestYaml([configMap]);
    expect(yaml).toContain("a: 'yes'\n  b: 'on'\n  c: 'No'\n  d: '10'\n  e: '0x1F'\n  f: 'true'\n  g: '~'\n");
    expect(loadAllYaml(yaml).map(asJson)).toEqual([configMap]);
  });

  it('separates documents with ---, one per object, in the order given', () => {
    const yaml = toManifestYaml(objects);
    expect(yaml.split(/^---$/m)).toHaveLength(objects.length);
    expect(loadAllYaml(yaml).map((o: any) => `${o.kind}/${o.metadata.name}`)).toEqual(objects.map((o) => `${o.kind}/${o.metadata.name}`));
  });
});
