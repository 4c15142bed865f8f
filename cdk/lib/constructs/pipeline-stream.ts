import { Duration, aws_kinesis as kinesis, type aws_kms as kms } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { StreamMode } from '../fleet-config';

/** Props of {@link PipelineStream}. */
export interface PipelineStreamProps {
  /** Customer-managed key the stream is encrypted with. */
  readonly encryptionKey: kms.IKey;
  /**
   * Capacity mode.
   * @default 'on-demand'
   */
  readonly mode?: StreamMode;
  /**
   * Shard count in provisioned mode.
   * @default 1
   */
  readonly shards?: number;
  /**
   * How long records stay readable; long enough to replay a day of enricher outage.
   * @default Duration.hours(24)
   */
  readonly retention?: Duration;
}

/** The Kinesis data stream every agent of the fleet writes to, KMS-encrypted. */
export class PipelineStream extends Construct {
  /** The stream. */
  readonly stream: kinesis.Stream;

  constructor(scope: Construct, id: string, props: PipelineStreamProps) {
    super(scope, id);
    const provisioned = props.mode === 'provisioned';
    this.stream = new kinesis.Stream(this, 'Stream', {
      streamMode: provisioned ? kinesis.StreamMode.PROVISIONED : kinesis.StreamMode.ON_DEMAND,
      ...(provisioned ? { shardCount: props.shards ?? 1 } : {}),
      encryption: kinesis.StreamEncryption.KMS,
      encryptionKey: props.encryptionKey,
      retentionPeriod: props.retention ?? Duration.hours(24),
    });
  }
}
