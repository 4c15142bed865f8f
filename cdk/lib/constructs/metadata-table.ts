import { RemovalPolicy, aws_dynamodb as dynamodb } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { METADATA_TABLE_KEY } from '../../../core/node-metadata-item';

/** Props of {@link MetadataTable}. */
export interface MetadataTableProps {
  /**
   * What happens to the table when the stack is deleted; its content is rebuilt by the poller within a minute.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The node metadata table: one item per node keyed `<cluster>#<node>`, written by the poller, read by
 * the enricher. On-demand, TTL on `ttl`, point-in-time recovery, encrypted at rest with the AWS-managed
 * KMS key (`aws/dynamodb`): a customer-managed key on a TableV2 replica needs a region-bound stack, which
 * would break the environment-agnostic, offline `cdk synth`.
 */
export class MetadataTable extends Construct {
  /** The table (CloudFormation `AWS::DynamoDB::GlobalTable`, one replica). */
  readonly table: dynamodb.TableV2;

  constructor(scope: Construct, id: string, props: MetadataTableProps = {}) {
    super(scope, id);
    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: { name: METADATA_TABLE_KEY, type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      timeToLiveAttribute: 'ttl',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
  }
}
