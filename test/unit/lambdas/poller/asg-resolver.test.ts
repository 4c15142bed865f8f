import { DescribeTagsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { ASG_TAG, createAsgResolver, DESCRIBE_TAGS_MAX_IDS } from '../../../../lambdas/poller/asg-resolver';

describe('createAsgResolver', () => {
  const ec2 = mockClient(EC2Client);
  afterEach(() => ec2.reset());
  afterAll(() => ec2.restore());

  const ids = (n: number) => Array.from({ length: n }, (_, i) => `i-${i.toString(16).padStart(17, '0')}`);

  test('batches DescribeTags by 200 instance ids, follows NextToken and maps untagged instances to ""', async () => {
    ec2.on(DescribeTagsCommand).callsFake((input: { Filters: Array<{ Name: string; Values: string[] }>; NextToken?: string }) => {
      const requested = input.Filters.find((f) => f.Name === 'resource-id')?.Values ?? [];
      // Even instances are in a group; answers come in two pages.
      const tagged = requested.filter((_, i) => i % 2 === 0).map((id) => ({ ResourceId: id, Key: ASG_TAG, Value: `asg-${id.slice(-1)}` }));
      const half = Math.ceil(tagged.length / 2);
      return input.NextToken ? { Tags: tagged.slice(half) } : { Tags: tagged.slice(0, half), NextToken: 'page-2' };
    });
    const resolver = createAsgResolver({ ec2: new EC2Client({ region: 'us-east-1' }) });
    const all = ids(450);
    const groups = await resolver.resolve(all, 0);
    expect(groups.size).toBe(450);
    expect(groups.get(all[0])).toBe('asg-0');
    expect(groups.get(all[1])).toBe('');
    const calls = ec2.commandCalls(DescribeTagsCommand);
    expect(calls).toHaveLength(Math.ceil(450 / DESCRIBE_TAGS_MAX_IDS) * 2);
    expect(calls[0].args[0].input.Filters).toEqual([
      { Name: 'resource-id', Values: all.slice(0, 200) },
      { Name: 'key', Values: [ASG_TAG] },
    ]);
  });

  test('answers from its cache until the entry expires, sooner for instances without a group', async () => {
    ec2.on(DescribeTagsCommand).resolves({ Tags: [{ ResourceId: 'i-1', Key: ASG_TAG, Value: 'ng-1' }] });
    const resolver = createAsgResolver({ ec2: new EC2Client({ region: 'us-east-1' }), ttlMs: 3_600_000 });
    await resolver.resolve(['i-1', 'i-2'], 0);
    await resolver.resolve(['i-1', 'i-2'], 60_000);
    expect(ec2.commandCalls(DescribeTagsCommand)).toHaveLength(1);
    await resolver.resolve(['i-1', 'i-2'], 300_000);
    const last = ec2.commandCalls(DescribeTagsCommand)[1].args[0].input.Filters?.[0].Values;
    expect(last).toEqual(['i-2']);
  });

  test('forgets the least recently asked instances beyond maxInstances and asks EC2 again for them', async () => {
    ec2.on(DescribeTagsCommand).callsFake((input: { Filters: Array<{ Name: string; Values: string[] }> }) => ({
      Tags: (input.Filters.find((f) => f.Name === 'resource-id')?.Values ?? []).map((id) => ({ ResourceId: id, Key: ASG_TAG, Value: 'ng' })),
    }));
    const resolver = createAsgResolver({ ec2: new EC2Client({ region: 'us-east-1' }), maxInstances: 2 });
    await resolver.resolve(['i-1', 'i-2'], 0);
    await resolver.resolve(['i-3'], 0);
    await resolver.resolve(['i-2', 'i-3'], 0);
    expect(ec2.commandCalls(DescribeTagsCommand)).toHaveLength(2);
    await resolver.resolve(['i-1'], 0);
    const asked = ec2.commandCalls(DescribeTagsCommand).map((c) => c.args[0].input.Filters?.[0].Values);
    expect(asked).toEqual([['i-1', 'i-2'], ['i-3'], ['i-1']]);
  });
});

