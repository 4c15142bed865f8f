import {
  DEFAULT_METRICS_PER_NODE_WARNING,
  LOGS_INGESTION_USD_PER_GB,
  SECONDS_PER_MONTH,
  toCustomMetricsUsd,
  toCustomMetricsWarning,
  toEnricherInvocations,
  toKinesisCost,
  toMonthlyCost,
  toProvisionedShards,
  toStreamRecommendation,
  type FleetInterval,
} from '../../../core/cost-model';

// 50 nodes at 60 s sending records of 6,800 compressed bytes: 2,190,000 records a month (50/60 x 2,628,000 s).
const fleet: FleetInterval = { nodes: 50, intervalSeconds: 60, customMetrics: 0, logsBytes: 0, recordBytes: 50 * 6800, averageRecordBytes: 6800, enrichMsPerRecord: 1, metadataItemBytes: 2000 };

describe('cost model', () => {
  it('prices custom metrics by tier', () => {
    expect(toCustomMetricsUsd(100)).toBeCloseTo(30);
    expect(toCustomMetricsUsd(10_000)).toBeCloseTo(3000);
    expect(toCustomMetricsUsd(20_000)).toBeCloseTo(3000 + 1000);
  });

  it('turns one interval of bytes into GB per month and its Logs price', () => {
    const cost = toMonthlyCost({ ...fleet, nodes: 10, logsBytes: 1024 ** 3 / (SECONDS_PER_MONTH / 60) });
    expect(cost.logsGb).toBeCloseTo(1);
    expect(cost.logsUsd).toBeCloseTo(LOGS_INGESTION_USD_PER_GB);
    expect(cost.totalUsd).toBeCloseTo(cost.pipelineUsd + cost.logsUsd + cost.customMetricsUsd);
  });

  it('counts enricher invocations from the batching window over the lanes of the shards', () => {
    // On-demand: 4 shards x parallelization 2 = 8 lanes; a lane gathers 50/60 x 5 / 8 = 0.52083 records
    // per 5 s window, so a window invokes with probability 1 - e^-0.52083 = 0.405975:
    // 8 lanes x 525,600 windows x 0.405975 = 1,707,042 invocations, 1.283 records each.
    expect(toEnricherInvocations(fleet, 4)).toBeCloseTo(1_707_042.3, 0);
    // One provisioned shard: 2 lanes, 2.08333 records per window, 1 - e^-2.08333 = 0.875486: 920,310 invocations.
    expect(toEnricherInvocations(fleet, 1)).toBeCloseTo(920_310.4, 0);
    expect(toMonthlyCost(fleet).recordsPerInvocation).toBeCloseTo(2_190_000 / 1_707_042.3, 3);
    expect(toMonthlyCost(fleet, { streamMode: 'provisioned', shards: 1 }).lambdaInvocations).toBeCloseTo(920_310.4, 0);
  });

  it('fills batches of 200 when records come faster than a window holds', () => {
    // 20,000 nodes at 10 s: 2,000 records/s, 5,000 per lane and window on one shard: 25 full batches a window;
    // 2 lanes x 525,600 windows x 25 = 26,280,000 invocations = 5,256,000,000 records / 200.
    expect(toEnricherInvocations({ ...fleet, nodes: 20_000, intervalSeconds: 10 }, 1)).toBeCloseTo(26_280_000, 0);
    // Without a window Lambda polls about once a second: 50/60 records/s over 8 lanes, 1 - e^-0.104167 = 0.0989249 per second: 2,079,797 invocations.
    expect(toEnricherInvocations(fleet, 4, { batchingWindowSeconds: 0 })).toBeCloseTo(2_079_797, 0);
  });

  it('prices an on-demand stream per stream-hour and per GB in (1 KiB rounding) and out', () => {
    // 730 h x $0.04 = $29.20; in: 2,190,000 x 7,168 B = 14.6196 GiB x $0.08 = $1.1696; out: 2,190,000 x 6,800 B = 13.8688 GiB x $0.04 = $0.5548.
    const cost = toKinesisCost(fleet, 'on-demand');
    expect(cost).toMatchObject({ mode: 'on-demand', shards: 4 });
    expect(cost.hourlyUsd).toBeCloseTo(29.2, 6);
    expect(cost.dataUsd).toBeCloseTo(1.169586 + 0.554770, 5);
    expect(cost.usd).toBeCloseTo(30.924356, 5);
  });

  it('prices a provisioned stream per shard-hour and per PUT payload unit of 25 KiB', () => {
    // 1 shard x 730 h x $0.015 = $10.95; 2,190,000 records of one unit each x $0.014 per million = $0.03066.
    const cost = toKinesisCost(fleet, 'provisioned', 1);
    expect(cost.hourlyUsd).toBeCloseTo(10.95, 6);
    expect(cost.dataUsd).toBeCloseTo(0.03066, 6);
    // A 30 KB record is two units.
    expect(toKinesisCost({ ...fleet, averageRecordBytes: 30_000 }, 'provisioned', 1).dataUsd).toBeCloseTo(0.06132, 6);
    expect(toKinesisCost(fleet, 'provisioned', 3).hourlyUsd).toBeCloseTo(32.85, 6);
  });

  it('sizes a provisioned stream at a quarter of a shard write capacity', () => {
    expect(toProvisionedShards(fleet)).toBe(1);
    // 10,000 nodes: 166.7 records/s x 6,800 B = 1,133,333 B/s over 262,144 B/s = 4.32: 5 shards.
    expect(toProvisionedShards({ ...fleet, nodes: 10_000 })).toBe(5);
    // 120,000 tiny records a minute: 2,000 records/s over 250 per shard: 8 shards.
    expect(toProvisionedShards({ ...fleet, nodes: 120_000, averageRecordBytes: 100 })).toBe(8);
  });

  it('recommends one provisioned shard for a small fleet, at about a third of on-demand', () => {
    const advice = toStreamRecommendation(fleet);
    expect(advice.recommended).toBe('provisioned');
    expect(advice.provisioned.shards).toBe(1);
    expect(advice.savingUsd).toBeCloseTo(30.924356 - 10.98066, 5);
    expect(advice.provisioned.hourlyUsd / advice.onDemand.hourlyUsd).toBeCloseTo(0.375, 6);
  });

  it('uses the stream mode of the settings in the total', () => {
    const onDemand = toMonthlyCost(fleet);
    const provisioned = toMonthlyCost(fleet, { streamMode: 'provisioned', shards: 1 });
    expect(onDemand.kinesisUsd).toBeCloseTo(30.924356, 5);
    expect(provisioned.kinesisUsd).toBeCloseTo(10.98066, 5);
    expect(provisioned.kinesis).toMatchObject({ mode: 'provisioned', shards: 1 });
  });

  it('warns with the monthly figure when custom metrics per node pass the threshold, and not below it', () => {
    expect(toCustomMetricsWarning('enhanced', { nodes: 50, customMetrics: 61_536 })).toBe(
      `profile enhanced publishes 1,231 custom metrics per node (warning above ${DEFAULT_METRICS_PER_NODE_WARNING}): 61,536 for 50 nodes cost $8,153.60 a month, $163.07 per node-month, in custom metrics alone`,
    );
    expect(toCustomMetricsWarning('classic', { nodes: 50, customMetrics: 3_192 })).toBeUndefined();
    expect(toCustomMetricsWarning('classic', { nodes: 50, customMetrics: 3_192 }, 50)).toMatch(/^profile classic publishes 64 custom metrics per node \(warning above 50\)/);
  });
});
