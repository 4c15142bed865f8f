import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { toSnippet } from '../../core/errors';
import { createLruMap } from '../common/lru-map';

/**
 * The EBS volumes of EC2 instances by the device name EC2 attached them under (`/dev/xvda` ->
 * `vol-...`), from the block device mappings of DescribeInstances: what the node documents carry
 * so that the enricher can give NodeFS and NodeDiskIO events their `EBSVolumeId`.
 *
 * Batched (the instance ids of 200 nodes per call, as an `instance-id` filter: an instance that is
 * gone is simply not in the answer, where the InstanceIds parameter would fail the whole call),
 * cached per instance with a bound, and never in the way of a poll: a lookup stops when its signal
 * aborts (the poll's time is up) or at its first error (throttling: no more calls this poll), and
 * answers with what it knows. An instance whose refresh failed keeps its last answer; one never
 * resolved has none, and the next poll asks again.
 */

/** Instance ids per DescribeInstances call: the values of one filter. */
export const DESCRIBE_INSTANCES_MAX_IDS = 200;

/** Reservations per page (the API's maximum). */
const DESCRIBE_INSTANCES_PAGE_SIZE = 1000;

/**
 * Instances a resolver remembers by default: as for the Auto Scaling groups, twice the nodes of the
 * largest clusters one poller function serves together.
 */
export const EBS_CACHE_MAX_INSTANCES = 100_000;

/**
 * How long an answer is used by default: volumes come and go with the pods that claim them (the EBS
 * CSI driver attaches them), so a mapping is asked again every few minutes.
 */
export const EBS_VOLUMES_TTL_MS = 600_000;

/** How long "EC2 does not know this instance" is believed: a very new instance may not be visible yet. */
const UNKNOWN_INSTANCE_TTL_MS = 120_000;

/** What a lookup knows. */
export interface EbsVolumeAnswer {
  /** Device name -> volume id, by instance id; instances without an answer are absent. */
  readonly volumes: Map<string, Readonly<Record<string, string>>>;
  /** What went wrong (a failed or cut-short lookup), for the poll's warnings. */
  readonly warnings: string[];
}

/** Resolves instance ids to their EBS volumes. */
export interface EbsVolumeResolver {
  resolve(instanceIds: readonly string[], nowMs: number, options?: { readonly signal?: AbortSignal }): Promise<EbsVolumeAnswer>;
}

/** Options of {@link createEbsVolumeResolver}. */
export interface EbsVolumeResolverOptions {
  readonly ec2: Pick<EC2Client, 'send'>;
  /**
   * How long an answer is used; each instance's is shortened by up to a quarter (by a hash of its
   * id), so that the refreshes of a cluster spread over several polls.
   * @default EBS_VOLUMES_TTL_MS
   */
  readonly ttlMs?: number;
  /**
   * Instances remembered; the least recently asked for are forgotten beyond that.
   * @default EBS_CACHE_MAX_INSTANCES
   */
  readonly maxInstances?: number;
  /**
   * DescribeInstances calls in flight at once.
   * @default 4
   */
  readonly concurrency?: number;
}

interface Entry {
  /** Undefined: EC2 did not return the instance. */
  readonly volumes: Readonly<Record<string, string>> | undefined;
  readonly expiresAtMs: number;
}

/** A number in [0, 1) from an instance id (FNV-1a): the same id always gets the same share of the TTL taken off. */
export function toTtlSpread(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i += 1) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return (h >>> 0) / 2 ** 32;
}

/** The EC2 implementation. */
export function createEbsVolumeResolver(options: EbsVolumeResolverOptions): EbsVolumeResolver {
  const cache = createLruMap<string, Entry>({ maxEntries: options.maxInstances ?? EBS_CACHE_MAX_INSTANCES });
  const ttlMs = options.ttlMs ?? EBS_VOLUMES_TTL_MS;
  const concurrency = options.concurrency ?? 4;

  const describe = async (ids: readonly string[], signal: AbortSignal | undefined): Promise<Map<string, Record<string, string>>> => {
    const found = new Map<string, Record<string, string>>();
    let nextToken: string | undefined;
    do {
      const page = await options.ec2.send(
        new DescribeInstancesCommand({ Filters: [{ Name: 'instance-id', Values: [...ids] }], MaxResults: DESCRIBE_INSTANCES_PAGE_SIZE, NextToken: nextToken }),
        signal ? { abortSignal: signal } : {},
      );
      for (const reservation of page.Reservations ?? []) {
        for (const instance of reservation.Instances ?? []) {
          if (!instance.InstanceId) continue;
          const volumes: Record<string, string> = {};
          for (const m of instance.BlockDeviceMappings ?? []) if (m.DeviceName && m.Ebs?.VolumeId) volumes[m.DeviceName] = m.Ebs.VolumeId;
          found.set(instance.InstanceId, volumes);
        }
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return found;
  };

  return {
    async resolve(instanceIds, nowMs, { signal } = {}) {
      const volumes = new Map<string, Readonly<Record<string, string>>>();
      const missing: string[] = [];
      for (const id of new Set(instanceIds)) {
        const hit = cache.get(id);
        // An expired answer still stands until a fresh one replaces it.
        if (hit?.volumes) volumes.set(id, hit.volumes);
        if (!hit || hit.expiresAtMs <= nowMs) missing.push(id);
      }
      const batches: string[][] = [];
      for (let i = 0; i < missing.length; i += DESCRIBE_INSTANCES_MAX_IDS) batches.push(missing.slice(i, i + DESCRIBE_INSTANCES_MAX_IDS));
      let next = 0;
      let failure: unknown;
      const failed: string[] = [];
      const worker = async () => {
        while (next < batches.length && failure === undefined && !signal?.aborted) {
          const ids = batches[next];
          next += 1;
          try {
            const found = await describe(ids, signal);
            for (const id of ids) {
              const answer = found.get(id);
              const lifeMs = answer ? ttlMs * (1 - toTtlSpread(id) / 4) : Math.min(ttlMs, UNKNOWN_INSTANCE_TTL_MS);
              cache.set(id, { volumes: answer, expiresAtMs: nowMs + lifeMs });
              if (answer) volumes.set(id, answer);
              else volumes.delete(id);
            }
          } catch (error) {
            // The first failure stops this poll's calls (a throttled API is not asked harder); the rest waits for the next poll.
            failure ??= error;
            failed.push(...ids);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));
      const unasked = batches.slice(next).flat().length;
      const warnings: string[] = [];
      const waiting = failed.length + unasked;
      if (waiting > 0) {
        const why = signal?.aborted
          ? 'the poll\'s time for it ran out'
          : `${(failure as Error)?.name ?? 'Error'}: ${toSnippet((failure as Error)?.message ?? failure, 200)}`;
        warnings.push(
          `EC2 DescribeInstances: the EBS volumes of ${waiting} instances were not refreshed (${why}); their documents keep the last answer or go without ebsVolumes, and the next poll asks again (check ec2:DescribeInstances on the poller role if this repeats)`,
        );
      }
      return { volumes, warnings };
    },
  };
}
