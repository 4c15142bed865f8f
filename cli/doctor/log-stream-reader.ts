import { DescribeLogStreamsCommand, ResourceNotFoundException as LogsNotFound, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { LogStreamFacts } from './pipeline-checks';

/** At most this many pages of DescribeLogStreams (50 streams each): the most recently written 1,000 streams. */
const MAX_STREAM_PAGES = 20;

/** DescribeLogStreams of a performance log group, most recently written first; undefined when the group does not exist. */
export function createLogStreamReader(logs: CloudWatchLogsClient): (logGroup: string) => Promise<LogStreamFacts[] | undefined> {
  return async (logGroup) => {
    const streams: LogStreamFacts[] = [];
    let nextToken: string | undefined;
    try {
      for (let page = 0; page < MAX_STREAM_PAGES; page += 1) {
        const out = await logs.send(new DescribeLogStreamsCommand({ logGroupName: logGroup, orderBy: 'LastEventTime', descending: true, ...(nextToken ? { nextToken } : {}) }));
        for (const s of out.logStreams ?? []) {
          if (!s.logStreamName) continue;
          streams.push({
            name: s.logStreamName,
            ...(s.lastEventTimestamp !== undefined ? { lastEventMs: s.lastEventTimestamp } : {}),
            ...(s.lastIngestionTime !== undefined ? { lastIngestionMs: s.lastIngestionTime } : {}),
          });
        }
        nextToken = out.nextToken;
        if (!nextToken) break;
      }
    } catch (error) {
      if (error instanceof LogsNotFound) return undefined;
      throw error;
    }
    return streams;
  };
}
