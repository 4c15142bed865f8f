import { loadLocalFlags } from '../../../../cli/local/local-flags';

describe('kinsight local flags', () => {
  it('defaults to two simulated nodes plus this machine, 8 pods each, a 10 s interval and port 8787', () => {
    expect(loadLocalFlags([])).toEqual({
      cluster: 'kinsight-local', nodes: 2, podsPerNode: 8, intervalMs: 10_000, durationMs: undefined, cycles: undefined,
      port: 8787, outDir: 'kinsight-out', seed: 1, localNode: true, dashboard: true, profile: 'classic',
    });
  });

  it('reads the demo flags', () => {
    expect(loadLocalFlags(['--interval', '5s', '--nodes', '3', '--pods-per-node', '8', '--duration', '2m', '--port', '0', '--no-local-node'])).toMatchObject({
      intervalMs: 5_000, nodes: 3, podsPerNode: 8, durationMs: 120_000, port: 0, localNode: false,
    });
    expect(loadLocalFlags(['--profile', 'lean'])).toMatchObject({ profile: 'lean' });
  });

  it('reads durations with the shared grammar: units, decimals, compounds; no bare numbers', () => {
    expect(loadLocalFlags(['--interval', '1.5m', '--duration', '1m30s'])).toMatchObject({ intervalMs: 90_000, durationMs: 90_000 });
    expect(() => loadLocalFlags(['--interval', '7'])).toThrow(/--interval: "7" is not a duration/);
  });

  it('rejects a bad duration, a too short interval, an out-of-range count and an unknown flag, naming the flag and the fix', () => {
    expect(() => loadLocalFlags(['--interval', 'soon'])).toThrow(/--interval: "soon" is not a duration; expected a number with ms, s, m or h/);
    expect(() => loadLocalFlags(['--interval', '10ms'])).toThrow(/--interval 10ms is shorter than 200 ms/);
    expect(() => loadLocalFlags(['--nodes=-1'])).toThrow(/--nodes -1 is not an integer between 0 and 200/);
    expect(() => loadLocalFlags(['--pods-per-node', '111'])).toThrow(/--pods-per-node 111 is not an integer between 0 and 110/);
    expect(() => loadLocalFlags(['--cluster', 'bad name'])).toThrow(/--cluster "bad name" is not a valid EKS cluster name/);
    expect(() => loadLocalFlags(['--profile', 'thin'])).toThrow(/--profile thin is not a profile; expected classic, lean or enhanced/);
    expect(() => loadLocalFlags(['--colour'])).toThrow(/Unknown option '--colour'.*see kinsight local --help/);
  });
});
