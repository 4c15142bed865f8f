import { App, Stack, aws_dynamodb as dynamodb, aws_kinesis as kinesis, aws_kms as kms } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Enricher } from '../../cdk/lib/constructs/enricher';

/** The event source settings the CDK app gives the enricher, as the local event source takes them. */
export interface EnricherEventSourceSettings {
  batchSize: number;
  maximumRetryAttempts: number;
  bisectBatchOnFunctionError: boolean;
}

/**
 * Reads the enricher's event source settings from the CDK construct itself (cdk/lib/constructs/enricher.ts,
 * defaults as the fleet stack uses them), synthesized without bundling: tests drive the local event
 * source exactly as the deployed one is configured, and follow the construct when it changes.
 */
export function toEnricherEventSourceSettings(): EnricherEventSourceSettings {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'EventSourceSettings');
  const table = new dynamodb.TableV2(stack, 'Table', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });
  new Enricher(stack, 'Enricher', { stream: new kinesis.Stream(stack, 'Stream'), table, encryptionKey: new kms.Key(stack, 'Key'), clusterNames: ['prod'], profile: 'classic' });
  const [mapping] = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::EventSourceMapping')) as { Properties: Record<string, unknown> }[];
  const p = mapping.Properties;
  return { batchSize: p.BatchSize as number, maximumRetryAttempts: p.MaximumRetryAttempts as number, bisectBatchOnFunctionError: p.BisectBatchOnFunctionError === true };
}

// `tsx test/helpers/enricher-event-source.ts` prints the settings as JSON (bench/enricher-memory.ts reads them so).
if (require.main === module) process.stdout.write(`${JSON.stringify(toEnricherEventSourceSettings())}\n`);
