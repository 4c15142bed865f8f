import { ConfigError } from '../../core/errors';

const NAME = /^[a-zA-Z0-9_.-]{1,128}$/;
const ARN = /^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/([a-zA-Z0-9_.-]{1,128})$/;

/**
 * Accepts a Kinesis stream name or ARN and returns the name the agent sends as StreamName.
 * @see https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html (StreamName pattern)
 */
export function parseStreamName(value: string): string {
  if (NAME.test(value)) return value;
  const arn = ARN.exec(value);
  if (arn) return arn[1];
  throw new ConfigError(`stream "${value.slice(0, 200)}" is neither a Kinesis stream name ([a-zA-Z0-9_.-], 1-128 characters) nor a stream ARN (arn:aws:kinesis:<region>:<account>:stream/<name>); set --stream or KINSIGHT_STREAM_NAME`);
}
