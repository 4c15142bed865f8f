import { join } from 'node:path';
import { App, Stack, aws_dynamodb as dynamodb, aws_kinesis as kinesis, aws_kms as kms } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Enricher } from '../../../../cdk/lib/constructs/enricher';
import { parseFleetConfig } from '../../../../cdk/lib/fleet-config';

describe('fleet file: logOnlyEvery, the period of lean profiles\' log-only records', () => {
  it('reads a duration and leaves it out when not set', () => {
    expect(parseFleetConfig({ clusters: [{ name: 'a' }], profile: 'lean', logOnlyEvery: '10m' }).logOnlyEvery).toBe('10m');
    expect(parseFleetConfig({ clusters: [{ name: 'a' }] })).not.toHaveProperty('logOnlyEvery');
  });

  it('rejects a bare number or a period under a second', () => {
    expect(() => parseFleetConfig({ clusters: [{ name: 'a' }], logOnlyEvery: 10 })).toThrow(/logOnlyEvery is 10; expected a duration of at least 1s such as 10m/);
    expect(() => parseFleetConfig({ clusters: [{ name: 'a' }], logOnlyEvery: '100ms' })).toThrow(/logOnlyEvery is 100ms; expected a duration of at least 1s/);
  });

  it('gives the enricher KINSIGHT_LOG_ONLY_EVERY', () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Bare');
    const key = new kms.Key(stack, 'K');
    const stream = new kinesis.Stream(stack, 'S', { encryptionKey: key, encryption: kinesis.StreamEncryption.KMS });
    const table = new dynamodb.TableV2(stack, 'T', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });
    new Enricher(stack, 'E', { stream, table, encryptionKey: key, clusterNames: ['c1'], profile: 'lean', logOnlyEvery: '15m', entry: join(__dirname, 'fixtures', 'handler.ts') });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ KINSIGHT_PROFILE: 'lean', KINSIGHT_LOG_ONLY_EVERY: '15m' }) } });
  });
});
