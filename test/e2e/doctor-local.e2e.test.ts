import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_TARGET_FILE, runLocalDoctor, toLocalAgentObjects, writeLocalTarget } from '../../cli/doctor/local-target';
import { toResultLines } from '../../cli/doctor/render-results';
import { startLocalPipeline, type LocalPipeline } from '../../cli/local/local-pipeline';
import { createLocalPipelineDeps } from '../../cli/local/local-deps';

const INTERVAL_MS = 60_000;

// The "no metrics" path of npm start: the real agents, poller and enricher on the local services, one
// agent stopped, and kinsight doctor naming its node. The clock is injected: each cycle is one interval.
describe('kinsight doctor --local on the local pipeline', () => {
  let outDir: string;
  let pipeline: LocalPipeline;
  let removeTarget: () => void;
  let clock = Date.now();
  let release: (() => void) | undefined;
  let slept: () => void = () => undefined;
  const sleeping = () => new Promise<void>((resolve) => (slept = resolve));
  /** Lets the pipeline run `n` more cycles and waits until they are done. */
  const runCycles = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i += 1) {
      const done = sleeping();
      release?.();
      await done;
    }
  };

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'kinsight-doctor-local-'));
    const firstCycle = sleeping();
    pipeline = await startLocalPipeline(
      {
        nodes: 2,
        podsPerNode: 3,
        localNode: false,
        dashboard: false,
        intervalMs: INTERVAL_MS,
        maxBatchingWindowMs: 0,
        outDir,
        now: () => clock,
        sleep: (ms, signal) =>
          new Promise<void>((resolve) => {
            clock += ms;
            release = resolve;
            signal.addEventListener('abort', () => resolve(), { once: true });
            slept();
          }),
        extraKubeObjects: toLocalAgentObjects(clock),
      },
      createLocalPipelineDeps(),
    );
    removeTarget = writeLocalTarget(pipeline);
    await firstCycle;
    await runCycles(2);
  }, 60_000);

  afterAll(async () => {
    removeTarget();
    await pipeline.stop();
    rmSync(outDir, { recursive: true, force: true });
  });

  it('says the local pipeline is healthy while every agent runs', async () => {
    expect(existsSync(join(outDir, LOCAL_TARGET_FILE))).toBe(true);
    const results = await runLocalDoctor(outDir, clock);
    expect(toResultLines(results, { colour: false })).toBe(
      [
        '✓ (fleet)         stream           Kinesis stream kinsight-records is ACTIVE (2 open shards)',
        '✓ kinsight-local  agent-daemonset  DaemonSet kinsight/kinsight-agent: 2/2 pods ready',
        "✓ kinsight-local  silent-nodes     every node's agent wrote within 2 intervals (2 nodes, oldest last record 60 s ago)",
        '✓ kinsight-local  poller           last successful poll 60 s ago (log stream kinsight-poller)',
        '4 checks: 4 passed, 0 failed',
        '',
      ].join('\n'),
    );
  });

  it('names the node whose agent stopped as silent once two intervals have passed', async () => {
    const [silent, other] = pipeline.state().nodes.map((n) => n.name);
    expect(pipeline.stopAgent(silent)).toBe(true);
    expect(pipeline.stopAgent('no-such-node')).toBe(false);
    await runCycles(1);
    // One missed record (its last is two intervals old) is not silence yet.
    expect((await runLocalDoctor(outDir, clock)).filter((r) => !r.ok)).toEqual([]);
    await runCycles(2);
    const lines = toResultLines(await runLocalDoctor(outDir, clock), { colour: false }).split('\n').slice(1);
    expect(lines[0]).toBe('✓ kinsight-local  agent-daemonset  DaemonSet kinsight/kinsight-agent: 2/2 pods ready');
    expect(lines[1]).toBe(
      `✗ kinsight-local  silent-nodes     1 of 2 nodes silent for more than 2 intervals (2 min): ${silent} (last record 4 min ago) — fix: their agents do not run or their records do not arrive: see agent-daemonset; \`kubectl -n kinsight logs <pod on the node>\` shows PutRecords errors (credentials: Pod Identity association and add-on, or the IRSA role); then the enricher line`,
    );
    expect(lines[1]).not.toContain(other);
    expect(lines[2]).toBe('✓ kinsight-local  poller           last successful poll 60 s ago (log stream kinsight-poller)');
    expect(lines[3]).toBe('4 checks: 3 passed, 1 failed');
  });
});
