import { ConfigError, KinsightError, toSnippet } from '../../core/errors';
import { POLLER_CLUSTER_DIMENSION, POLLER_METRICS, toPipelineMetricsLine } from '../../core/pipeline-metrics';
import { toStatusCode } from './kube-lists';
import type { Poller, PollSummary } from './create-poller';

/**
 * The poller Lambda's handler, built from its dependencies: one EventBridge schedule per cluster
 * invokes it every minute with the rule's constant input `{ "cluster": "<name>" }`.
 */

/** The event of the schedule rule. */
export interface PollerEvent {
  readonly cluster?: unknown;
}

/** Where the handler logs (Powertools Logger in Lambda, a plain object in tests). */
export interface PollerLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/** Dependencies of {@link createHandler}. */
export interface HandlerDeps {
  readonly poll: Poller;
  readonly logger: PollerLogger;
  /** Wall clock, epoch ms. */
  readonly now: () => number;
  /** Counts a failed poll of a cluster (an EMF metric of the pipeline in Lambda). */
  readonly countFailure: (cluster: string, reason: string) => void;
  /** Counts a successful poll of a cluster (an EMF metric in Lambda). @default not counted */
  readonly countSuccess?: (cluster: string) => void;
}

/** The EMF line of one failed poll: the pipeline metric PollFailures of the cluster, with the reason logged beside it. */
export function toPollFailureLine(cluster: string, reason: string, nowMs: number): string {
  return toPipelineMetricsLine({ [POLLER_METRICS.failures]: 1 }, { [POLLER_CLUSTER_DIMENSION]: cluster }, nowMs, { reason });
}

/** The EMF line of one successful poll: the pipeline metric PollSuccesses of the cluster. */
export function toPollSuccessLine(cluster: string, nowMs: number): string {
  return toPipelineMetricsLine({ [POLLER_METRICS.successes]: 1 }, { [POLLER_CLUSTER_DIMENSION]: cluster }, nowMs);
}

/** Why a poll failed, in words an operator can act on. */
export function describePollError(error: unknown): string {
  // Our own errors already say what failed and what to check.
  if (error instanceof KinsightError) return error.message;
  const status = toStatusCode(error);
  if (status === 401) return 'the API server refused the token (401 Unauthorized): check the EKS access entry of the poller role and the cluster name signed in the token';
  if (status === 403) return 'the API server denied a list (403 Forbidden): check that the kinsight-poller ClusterRole is bound to the kinsight-pollers group';
  if (status !== undefined && status >= 500) return `the API server answered ${status}: it is overloaded or unhealthy; the next poll retries`;
  const e = error as { name?: string; code?: string; type?: string; message?: string } | null;
  if (e?.name === 'AbortError' || e?.type === 'aborted' || e?.name === 'TimeoutError') return 'a request to the API server timed out: it hangs or is overloaded; the next poll retries';
  const code = e?.code ?? (error as { cause?: { code?: string } } | null)?.cause?.code;
  if (code && /^(ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|ECONNRESET|EAI_AGAIN)$/.test(code)) {
    return `the API server is unreachable (${code}): check the endpoint access (private endpoint: run the poller in the cluster VPC)`;
  }
  if (status !== undefined) return `the API server answered ${status}`;
  return toSnippet(e?.message ?? String(error), 300);
}

/** Creates the handler: validates the event, polls, logs one line; a failure is logged, counted and rethrown. */
export function createHandler(deps: HandlerDeps): (event: PollerEvent) => Promise<PollSummary> {
  return async (event) => {
    const cluster = event?.cluster;
    if (typeof cluster !== 'string' || cluster === '') {
      throw new ConfigError(`poller event has no cluster name: ${toSnippet(event)}; expected the schedule's constant input {"cluster":"<name>"}`);
    }
    try {
      const summary = await deps.poll(cluster, deps.now());
      deps.logger.info('poll done', { ...summary, warnings: summary.warnings.slice(0, 5), warningCount: summary.warnings.length });
      deps.countSuccess?.(cluster);
      return summary;
    } catch (error) {
      const reason = describePollError(error);
      deps.countFailure(cluster, reason);
      deps.logger.error('poll failed', { cluster, reason, error: toSnippet((error as Error)?.message ?? error, 500) });
      throw new KinsightError(`poll of cluster "${cluster}" failed: ${reason}`, { cause: error });
    }
  };
}
