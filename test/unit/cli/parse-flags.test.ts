import { parseFlags } from '../../../cli/parse-flags';
import { ConfigError } from '../../../core/errors';

describe('parseFlags', () => {
  const options = { nodes: { type: 'string' }, json: { type: 'boolean' } } as const;

  it('returns typed values of the declared flags', () => {
    expect(parseFlags('cost', ['--nodes', '3', '--json'], options)).toEqual({ nodes: '3', json: true });
  });

  it('rejects an unknown flag or a positional with a ConfigError pointing at the help', () => {
    expect(() => parseFlags('cost', ['--nodez', '3'], options)).toThrow(ConfigError);
    expect(() => parseFlags('cost', ['--nodez', '3'], options)).toThrow(/--nodez.*see kinsight cost --help/);
    expect(() => parseFlags('cost', ['extra'], options)).toThrow(/see kinsight cost --help/);
  });
});
