/**
 * AWS service limits the pipeline designs around. One place, each with its source.
 */

/** @see https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html */
export const KINESIS_MAX_RECORDS_PER_PUT = 500;
/** @see https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html */
export const KINESIS_MAX_BYTES_PER_PUT = 5 * 1024 * 1024;
/** Data blob plus partition key. @see https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html */
export const KINESIS_MAX_RECORD_BYTES = 1024 * 1024;
/** @see https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html */
export const KINESIS_SHARD_WRITE_BYTES_PER_SECOND = 1024 * 1024;
/** @see https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html */
export const KINESIS_SHARD_WRITE_RECORDS_PER_SECOND = 1000;
/** Partition key length. @see https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecordsRequestEntry.html */
export const KINESIS_MAX_PARTITION_KEY_CHARS = 256;

/** Synchronous invocation payload. @see https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html */
export const LAMBDA_MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

/** @see https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html */
export const LOGS_MAX_EVENTS_PER_PUT = 10_000;
/** Sum of UTF-8 message bytes plus 26 bytes per event. @see https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html */
export const LOGS_MAX_BYTES_PER_PUT = 1_048_576;
/** @see https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html */
export const LOGS_EVENT_OVERHEAD_BYTES = 26;
/** @see https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html */
export const LOGS_MAX_EVENT_BYTES = 1_048_576 - LOGS_EVENT_OVERHEAD_BYTES;
/** A batch may not span more than 24 hours. @see https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html */
export const LOGS_MAX_BATCH_SPAN_MS = 24 * 60 * 60 * 1000;
/** @see https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html */
export const LOGS_MAX_EVENT_AGE_MS = 14 * 24 * 60 * 60 * 1000;
/** @see https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html */
export const LOGS_MAX_EVENT_FUTURE_MS = 2 * 60 * 60 * 1000;

/** @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html */
export const EMF_MAX_METRICS_PER_DIRECTIVE = 100;
/** @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html */
export const EMF_MAX_DIMENSIONS_PER_SET = 30;
/** @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html */
export const EMF_MAX_VALUES_PER_METRIC = 100;

/** @see https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html */
export const DYNAMODB_MAX_BATCH_GET_KEYS = 100;
/** @see https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html */
export const DYNAMODB_MAX_BATCH_WRITE_ITEMS = 25;
/** @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html */
export const DYNAMODB_MAX_ITEM_BYTES = 400 * 1024;

/** The CloudWatch namespace and log group layout of Container Insights. */
export const CI_NAMESPACE = 'ContainerInsights';
/** Log group of one cluster's performance events. */
export const toPerformanceLogGroup = (cluster: string): string => `/aws/containerinsights/${cluster}/performance`;

/** Resources declared in one template. @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html */
export const CFN_MAX_RESOURCES = 500;
/** Outputs declared in one template. @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html */
export const CFN_MAX_OUTPUTS = 200;
/** Parameters declared in one template. @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html */
export const CFN_MAX_PARAMETERS = 200;
/** Template body in an S3 object ("1 MB"; counted here as 10^6 bytes, the lower reading). @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html */
export const CFN_MAX_TEMPLATE_BYTES = 1_000_000;

/** Aggregate size of a role's inline policies, in characters without whitespace. @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html */
export const IAM_MAX_ROLE_INLINE_POLICY_CHARS = 10_240;

/** Total size of a function's environment variables (keys and values). @see https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html */
export const LAMBDA_MAX_ENVIRONMENT_BYTES = 4 * 1024;
/** Lambda allocates CPU in proportion to memory: one full vCPU at this size. @see https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html */
export const LAMBDA_MEMORY_MB_PER_VCPU = 1769;
