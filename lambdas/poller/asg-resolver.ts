import { DescribeTagsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { createLruMap } from '../common/lru-map';

/**
 * Auto Scaling group names of EC2 instances, from the instance tag `aws:autoscaling:groupName`
 * (what the receiver reads). Batched DescribeTags calls, and a cache: an instance never changes group.
 */

/** The tag EC2 Auto Scaling puts on its instances. */
export const ASG_TAG = 'aws:autoscaling:groupName';

/** Instance ids per DescribeTags filter (the API's limit on filter values). */
export const DESCRIBE_TAGS_MAX_IDS = 200;

/**
 * Instances a resolver remembers by default: twice the nodes of the largest clusters one poller
 * function serves together (a warm instance polls every cluster of its group and size).
 */
export const ASG_CACHE_MAX_INSTANCES = 100_000;

/** Resolves instance ids to Auto Scaling group names ('' for an instance in no group). */
export interface AutoScalingGroupResolver {
  resolve(instanceIds: readonly string[], nowMs: number): Promise<Map<string, string>>;
}

/** Options of {@link createAsgResolver}. */
export interface AsgResolverOptions {
  readonly ec2: Pick<EC2Client, 'send'>;
  /**
   * How long an answer is reused; instances never change group, but a very new instance may not be tagged yet.
   * @default 3_600_000 for a group, 300_000 for "no group"
   */
  readonly ttlMs?: number;
  /**
   * Instances remembered; the least recently asked for are forgotten beyond that (and asked again when they come back).
   * @default ASG_CACHE_MAX_INSTANCES
   */
  readonly maxInstances?: number;
}

/** The EC2 implementation. */
export function createAsgResolver(options: AsgResolverOptions): AutoScalingGroupResolver {
  const cache = createLruMap<string, { group: string; expiresAtMs: number }>({ maxEntries: options.maxInstances ?? ASG_CACHE_MAX_INSTANCES });
  const ttlMs = options.ttlMs ?? 3_600_000;
  return {
    async resolve(instanceIds, nowMs) {
      const out = new Map<string, string>();
      const missing: string[] = [];
      for (const id of new Set(instanceIds)) {
        const hit = cache.get(id);
        if (hit && hit.expiresAtMs > nowMs) out.set(id, hit.group);
        else missing.push(id);
      }
      for (let i = 0; i < missing.length; i += DESCRIBE_TAGS_MAX_IDS) {
        const ids = missing.slice(i, i + DESCRIBE_TAGS_MAX_IDS);
        const found = new Map<string, string>();
        let nextToken: string | undefined;
        do {
          const page = await options.ec2.send(
            new DescribeTagsCommand({
              Filters: [
                { Name: 'resource-id', Values: ids },
                { Name: 'key', Values: [ASG_TAG] },
              ],
              MaxResults: 1000,
              NextToken: nextToken,
            }),
          );
          for (const tag of page.Tags ?? []) if (tag.ResourceId && tag.Value !== undefined) found.set(tag.ResourceId, tag.Value);
          nextToken = page.NextToken;
        } while (nextToken);
        for (const id of ids) {
          const group = found.get(id) ?? '';
          cache.set(id, { group, expiresAtMs: nowMs + (group ? ttlMs : Math.min(ttlMs, 300_000)) });
          out.set(id, group);
        }
      }
      return out;
    },
  };
}
