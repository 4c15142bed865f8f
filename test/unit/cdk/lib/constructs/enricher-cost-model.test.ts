import { join } from 'node:path';
import { App, Stack, aws_dynamodb as dynamodb, aws_kinesis as kinesis, aws_kms as kms } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Enricher } from '../../../../../cdk/lib/constructs/enricher';
import { ENRICHER_EVENT_SOURCE, ENRICHER_MEMORY_MB } from '../../../../../core/cost-model';

describe('cost model: the enricher it prices is the one the CDK app deploys', () => {
  it('has the event source batch size, batching window, parallelization factor and memory of the Enricher construct', () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Bare');
    const key = new kms.Key(stack, 'K');
    const stream = new kinesis.Stream(stack, 'S', { encryptionKey: key, encryption: kinesis.StreamEncryption.KMS });
    const table = new dynamodb.TableV2(stack, 'T', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });
    new Enricher(stack, 'E', { stream, table, encryptionKey: key, clusterNames: ['c1'], profile: 'classic', entry: join(__dirname, '..', 'fixtures', 'handler.ts') });
    const template = Template.fromStack(stack);
    const [mapping] = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')) as { Properties: Record<string, unknown> }[];
    expect({ batchSize: mapping.Properties.BatchSize, batchingWindowSeconds: mapping.Properties.MaximumBatchingWindowInSeconds, parallelizationFactor: mapping.Properties.ParallelizationFactor }).toEqual(
      ENRICHER_EVENT_SOURCE,
    );
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as { Properties: { MemorySize?: number } }[];
    expect(functions.map((f) => f.Properties.MemorySize)).toEqual([ENRICHER_MEMORY_MB]);
  });
});
