import { resolve } from 'node:path';
import { loadFleetConfig } from '../../../../cdk/lib/load-fleet-config';
import { toConstructId } from '../../../../cdk/lib/to-construct-id';

const files: Record<string, string> = {
  [resolve('fleet.json')]: JSON.stringify({ clusters: [{ name: 'from-file' }] }),
  [resolve('broken.json')]: '{ "clusters": [',
  [resolve('fleets/with-declarations.json')]: JSON.stringify({ clusters: [{ name: 'd' }], declarations: 'lean.json' }),
  [resolve('fleets/lean.json')]: JSON.stringify([{ dimensions: [['ClusterName']], metric_name_selectors: ['^cluster_'] }]),
  [resolve('fleets/bad-declarations.json')]: JSON.stringify({ clusters: [{ name: 'd' }], declarations: 'missing.json' }),
};
const readFile = (path: string): string => {
  if (!(path in files)) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
  return files[path];
};
const withContext = (context: Record<string, unknown>) => ({ context: (key: string) => context[key], readFile });

describe('loadFleetConfig', () => {
  it('reads the file named by context kinsightConfig in preference to inline context', () => {
    const fleet = loadFleetConfig(withContext({ kinsightConfig: 'fleet.json', kinsight: { clusters: [{ name: 'inline' }] } }));
    expect(fleet.clusters.map((c) => c.name)).toEqual(['from-file']);
  });

  it('reads the inline context kinsight when no file is named', () => {
    expect(loadFleetConfig(withContext({ kinsight: { clusters: [{ name: 'inline' }] } })).clusters[0].name).toBe('inline');
  });

  it('names the inline context in validation errors', () => {
    expect(() => loadFleetConfig(withContext({ kinsight: { clusters: [] } }))).toThrow(/^cdk\.json context "kinsight": clusters is \[\]/);
  });

  it('names the file in validation errors', () => {
    files[resolve('bad.json')] = JSON.stringify({ clusters: [{ name: 'x' }], streamMode: 'fast' });
    expect(() => loadFleetConfig(withContext({ kinsightConfig: 'bad.json' }))).toThrow(/bad\.json: streamMode is fast/);
  });

  it('reads declarations from the file the fleet names, relative to the fleet file', () => {
    const fleet = loadFleetConfig(withContext({ kinsightConfig: 'fleets/with-declarations.json' }));
    expect(fleet.declarations).toEqual([{ dimensions: [['ClusterName']], metricNameSelectors: ['^cluster_'] }]);
  });

  it('reads declarations from a file named in cdk.json context, relative to the working directory', () => {
    const fleet = loadFleetConfig(withContext({ kinsight: { clusters: [{ name: 'inline' }], declarations: 'fleets/lean.json' } }));
    expect(fleet.declarations).toHaveLength(1);
  });

  it('rejects a declarations file that cannot be read, naming the fleet file that names it', () => {
    expect(() => loadFleetConfig(withContext({ kinsightConfig: 'fleets/bad-declarations.json' }))).toThrow(
      /cannot read the declarations file ".*fleets\/missing\.json" \(declarations in .*bad-declarations\.json\): ENOENT/,
    );
  });

  it('rejects a run with no fleet configuration at all', () => {
    expect(() => loadFleetConfig(withContext({}))).toThrow(/no fleet configuration: set context "kinsight" in cdk\.json or pass -c kinsightConfig=fleet\.json/);
  });

  it('rejects a kinsightConfig that is not a path', () => {
    expect(() => loadFleetConfig(withContext({ kinsightConfig: 42 }))).toThrow(/context "kinsightConfig" is 42; expected a file path/);
  });

  it('rejects a fleet file that cannot be read', () => {
    expect(() => loadFleetConfig(withContext({ kinsightConfig: 'missing.json' }))).toThrow(/cannot read the fleet file ".*missing\.json".*ENOENT/);
  });

  it('rejects a fleet file that is not JSON', () => {
    expect(() => loadFleetConfig(withContext({ kinsightConfig: 'broken.json' }))).toThrow(/the fleet file ".*broken\.json" is not JSON/);
  });
});

describe('toConstructId', () => {
  it('makes distinct, alphanumeric ids from cluster names that differ only in punctuation', () => {
    const ids = ['prod-eu', 'prod_eu', 'prodEu', 'prod-eu-1'].map(toConstructId);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9]+$/);
    expect(new Set(ids).size).toBe(4);
    expect(toConstructId('prod-eu')).toBe(toConstructId('prod-eu'));
  });
});
