import { loadAllYaml, loadYaml } from '@kubernetes/client-node';
import { toYaml, type JsonValue } from '../../../core/to-yaml';

const roundTrip = (value: JsonValue): unknown => loadYaml(toYaml(value));

describe('toYaml', () => {
  it('renders nested objects and arrays that a YAML parser reads back unchanged', () => {
    const value = {
      apiVersion: 'apps/v1',
      metadata: { name: 'kinsight-agent', labels: { 'app.kubernetes.io/name': 'kinsight-agent' } },
      spec: { list: [{ a: 1, b: [true, false, null] }, 'x', [1, 2], []], empty: {}, n: -1.5 },
    };
    expect(roundTrip(value)).toEqual(value);
  });

  it('quotes strings that YAML would read as booleans, numbers or null', () => {
    for (const text of ['yes', 'No', 'on', 'true', 'null', '~', '10', '0x1F', '1e3', '-', '', ' lead', 'a: b', '# c', '*ref', '60s']) {
      expect(roundTrip({ k: text })).toEqual({ k: text });
    }
    // YAML 1.1 parsers (kubectl's lineage) read plain yes/on as booleans.
    expect(toYaml({ k: 'yes', l: 'on' })).toBe('k: "yes"\nl: "on"\n');
  });

  it('writes multi-line text as a literal block that keeps every byte', () => {
    for (const text of ['line 1\nline 2\n', 'no newline at end\nx', 'two at end\n\n', 'tab\tinside\n\n\nblank lines\n']) {
      const yaml = toYaml({ 'agent.js': text });
      expect(yaml).toMatch(/^agent\.js: \|/);
      expect(loadYaml(yaml)).toEqual({ 'agent.js': text });
    }
  });

  it('falls back to a double-quoted string for text a literal block cannot carry', () => {
    for (const text of ['  indented first\nline', 'cr\r\nlf', 'blank only\n   \nline', 'nul\u0000x\n', 'emoji 😀 and é\n', 'line\u2028sep\n']) {
      const yaml = toYaml({ k: text });
      expect(loadYaml(yaml)).toEqual({ k: text });
    }
  });

  it('leaves out object keys whose value is undefined, as JSON does', () => {
    expect(roundTrip({ a: 1, b: undefined })).toEqual({ a: 1 });
  });

  it('renders one document that joins with others into a multi-document stream', () => {
    const stream = [toYaml({ kind: 'A' }), toYaml({ kind: 'B' })].join('---\n');
    expect(loadAllYaml(stream)).toEqual([{ kind: 'A' }, { kind: 'B' }]);
  });

  it('rejects a number that has no JSON form', () => {
    expect(() => toYaml({ n: Number.NaN })).toThrow(/NaN has no JSON form/);
  });
});
