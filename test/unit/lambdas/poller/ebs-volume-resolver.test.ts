import { DescribeInstancesCommand, EC2Client, type DescribeInstancesCommandInput } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { createEbsVolumeResolver, toTtlSpread } from '../../../../lambdas/poller/ebs-volume-resolver';

const MINUTE = 60_000;
const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `i-${(from + i).toString(16).padStart(17, '0')}`);
const root = (id: string) => `vol-${id.slice(2)}`;
const data = (id: string) => `vol-d${id.slice(3)}`;

/** What EC2 answers for an instance: a root volume, a data volume and an instance store without Ebs. */
const instance = (id: string) => ({
  InstanceId: id,
  BlockDeviceMappings: [
    { DeviceName: '/dev/xvda', Ebs: { VolumeId: root(id), Status: 'attached' } },
    { DeviceName: '/dev/xvdba', Ebs: { VolumeId: data(id), Status: 'attached' } },
    { DeviceName: '/dev/sdb' },
  ],
});

const requested = (input: DescribeInstancesCommandInput) => input.Filters?.find((f) => f.Name === 'instance-id')?.Values ?? [];

describe('createEbsVolumeResolver', () => {
  const ec2 = mockClient(EC2Client);
  const client = new EC2Client({ region: 'us-east-1' });
  afterEach(() => ec2.reset());
  afterAll(() => ec2.restore());

  /** Answers every asked instance, two reservations per page, `pageSize` instances a page. */
  const answerAll = (pageSize = 1000, gone: ReadonlySet<string> = new Set()) =>
    ec2.on(DescribeInstancesCommand).callsFake((input: DescribeInstancesCommandInput) => {
      const known = requested(input).filter((id) => !gone.has(id));
      const start = input.NextToken ? Number(input.NextToken) : 0;
      const page = known.slice(start, start + pageSize).map(instance);
      const half = Math.ceil(page.length / 2);
      return {
        Reservations: [{ Instances: page.slice(0, half) }, { Instances: page.slice(half) }],
        ...(start + pageSize < known.length ? { NextToken: String(start + pageSize) } : {}),
      };
    });

  test('asks for 200 instances a call as an instance-id filter, follows NextToken and maps device names to EBS volume ids', async () => {
    answerAll(150);
    const all = ids(450);
    const { volumes, warnings } = await createEbsVolumeResolver({ ec2: client }).resolve(all, 0);
    expect(warnings).toEqual([]);
    expect(volumes.size).toBe(450);
    expect(volumes.get(all[0])).toEqual({ '/dev/xvda': root(all[0]), '/dev/xvdba': data(all[0]) });
    const calls = ec2.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input);
    // 200 + 200 + 50 instances: pages of 150 make two calls each for the full batches.
    expect(calls).toHaveLength(5);
    expect(calls.filter((c) => !c.NextToken).map((c) => requested(c))).toEqual([all.slice(0, 200), all.slice(200, 400), all.slice(400)]);
    expect(calls.every((c) => c.MaxResults === 1000 && c.InstanceIds === undefined)).toBe(true);
  });

  test('leaves out instances EC2 no longer knows, and asks for them again after two minutes, not every poll', async () => {
    const all = ids(3);
    answerAll(1000, new Set([all[1]]));
    const resolver = createEbsVolumeResolver({ ec2: client });
    const first = await resolver.resolve(all, 0);
    expect([...first.volumes.keys()]).toEqual([all[0], all[2]]);
    expect(first.warnings).toEqual([]);
    await resolver.resolve(all, MINUTE);
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(1);
    await resolver.resolve(all, 2 * MINUTE);
    expect(ec2.commandCalls(DescribeInstancesCommand).map((c) => requested(c.args[0].input))).toEqual([all, [all[1]]]);
  });

  test('answers from its cache until the answer expires, each instance within 3/4 to all of the TTL', async () => {
    answerAll();
    const all = ids(40);
    const resolver = createEbsVolumeResolver({ ec2: client, ttlMs: 8 * MINUTE });
    await resolver.resolve(all, 0);
    await resolver.resolve(all, 6 * MINUTE - 1);
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(1);
    await resolver.resolve(all, 8 * MINUTE);
    const refreshed = requested(ec2.commandCalls(DescribeInstancesCommand)[1].args[0].input);
    expect([...refreshed].sort()).toEqual(all);
    // The spread: 7 minutes after the refresh, exactly the instances whose 8-minute answer lost at
    // least a minute (an eighth: spread >= 0.5) are asked again, and they are some, not all.
    ec2.resetHistory();
    await resolver.resolve(all, 8 * MINUTE + 7 * MINUTE);
    const expired = all.filter((id) => toTtlSpread(id) >= 0.5);
    expect([...requested(ec2.commandCalls(DescribeInstancesCommand)[0].args[0].input)].sort()).toEqual(expired);
    expect(expired).toHaveLength(18);
  });

  test('fails soft on throttling: the batch that failed keeps its last answer, no further call is made this poll, and the next poll asks again', async () => {
    const all = ids(600);
    answerAll();
    const resolver = createEbsVolumeResolver({ ec2: client, ttlMs: MINUTE, concurrency: 1 });
    await resolver.resolve(all.slice(0, 200), 0);
    ec2.reset();
    ec2.on(DescribeInstancesCommand).rejects(Object.assign(new Error('Request limit exceeded.'), { name: 'RequestLimitExceeded' }));
    const throttled = await resolver.resolve(all, 2 * MINUTE);
    // The first batch failed: the two others were not asked for.
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(1);
    expect(throttled.volumes.size).toBe(200);
    expect(throttled.volumes.get(all[0])).toEqual({ '/dev/xvda': root(all[0]), '/dev/xvdba': data(all[0]) });
    expect(throttled.warnings).toEqual([
      'EC2 DescribeInstances: the EBS volumes of 600 instances were not refreshed (RequestLimitExceeded: Request limit exceeded.); their documents keep the last answer or go without ebsVolumes, and the next poll asks again (check ec2:DescribeInstances on the poller role if this repeats)',
    ]);
    ec2.reset();
    answerAll();
    const next = await resolver.resolve(all, 3 * MINUTE);
    expect(next).toEqual({ volumes: expect.any(Map), warnings: [] });
    expect(next.volumes.size).toBe(600);
  });

  test('stops asking when the poll\'s time is up, and says so', async () => {
    answerAll();
    const timeUp = new AbortController();
    timeUp.abort();
    const { volumes, warnings } = await createEbsVolumeResolver({ ec2: client }).resolve(ids(10), 0, { signal: timeUp.signal });
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(0);
    expect(volumes.size).toBe(0);
    expect(warnings).toEqual([expect.stringMatching(/^EC2 DescribeInstances: the EBS volumes of 10 instances were not refreshed \(the poll's time for it ran out\)/)]);
  });

  test('passes the poll\'s signal to each call, so a call in flight is aborted at the deadline', async () => {
    answerAll();
    const signal = new AbortController().signal;
    await createEbsVolumeResolver({ ec2: client }).resolve(ids(2), 0, { signal });
    expect((ec2.commandCalls(DescribeInstancesCommand)[0].args as unknown[])[1]).toEqual({ abortSignal: signal });
  });

  test('forgets the least recently asked instances beyond maxInstances and asks EC2 again for them', async () => {
    answerAll();
    const [a, b, c] = ids(3);
    const resolver = createEbsVolumeResolver({ ec2: client, maxInstances: 2 });
    await resolver.resolve([a, b], 0);
    await resolver.resolve([c], 0);
    await resolver.resolve([b, c], 0);
    await resolver.resolve([a], 0);
    expect(ec2.commandCalls(DescribeInstancesCommand).map((call) => requested(call.args[0].input))).toEqual([[a, b], [c], [a]]);
  });
});
