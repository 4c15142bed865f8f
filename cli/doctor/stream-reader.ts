import { DescribeStreamSummaryCommand, ResourceNotFoundException, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { StreamFacts } from './pipeline-checks';

/** Kinesis DescribeStreamSummary of the pipeline's stream; undefined when it does not exist. */
export function createStreamReader(kinesis: KinesisClient): (streamName: string) => Promise<StreamFacts | undefined> {
  return async (streamName) => {
    try {
      const { StreamDescriptionSummary: s } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
      return {
        name: streamName,
        ...(s?.StreamStatus ? { status: s.StreamStatus } : {}),
        ...(s?.StreamModeDetails?.StreamMode ? { mode: s.StreamModeDetails.StreamMode } : {}),
        ...(s?.OpenShardCount !== undefined ? { openShards: s.OpenShardCount } : {}),
      };
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  };
}
