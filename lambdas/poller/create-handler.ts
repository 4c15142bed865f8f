import { ConfigError, KinsightError, toSnippet } from '../../core/errors';
import { POLLER_CLUSTER_DIMENSION, POLLER_METRICS, toPipelineMetricsLine } from '../../core/pipeline-metrics';
import { toPollerCapacityNodes, toPollerMemoryMb } from '../../core/poller-sizing';
import { toStatusCode } from './kube-lists';
import type { Poller, PollSummary } from './create-poller';

/**
 * The poller Lambda's handler, built from its dependencies: one EventBridge Scheduler schedule per cluster
 * invokes it every minute with its constant input `{ "cluster": "<name>" }`.
 */

/** The event of the schedule (its constant input). */
export interface PollerEvent {
  readonly cluster?: unknown;
}

/** Where the handler logs (Powertools Logger in Lambda, a plain object in tests). */
export interface PollerLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  /** @default error */
  warn?(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/** What the handler reads of the Lambda context: the time left before the invocation times out. */
export interface InvocationContext {
  getRemainingTimeInMillis(): number;
}

/**
 * Time kept back from the invocation's remaining time by default: a document write in flight when
 * the deadline passes (8 BatchWriteItem calls, retried with backoff) and the log and metric lines
 * after it must still fit before Lambda's timeout.
 */
export const DEFAULT_DEADLINE_MARGIN_MS = 3000;

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
  /** Counts a poll the deadline cut short (an EMF metric of the pipeline in Lambda). @default not counted */
  readonly countPartial?: (cluster: string, cutShort: readonly string[]) => void;
  /** Counts the node documents of a poll cut to fit or refused by DynamoDB (EMF metrics in Lambda); called only when there are some. @default not counted */
  readonly countDocuments?: (cluster: string, cut: number, rejected: number) => void;
  /** Counts a poll whose cluster needs more memory than this function has (an EMF metric in Lambda). @default not counted */
  readonly countUndersized?: (cluster: string, nodes: number, neededMb: number) => void;
  /** This function's memory, MB (Lambda's AWS_LAMBDA_FUNCTION_MEMORY_SIZE). @default unknown: no sizing advice */
  readonly memoryMb?: number;
  /** Time kept back from the invocation's remaining time. @default DEFAULT_DEADLINE_MARGIN_MS */
  readonly deadlineMarginMs?: number;
}

/** The EMF line of one failed poll: the pipeline metric PollFailures of the cluster, with the reason logged beside it. */
export function toPollFailureLine(cluster: string, reason: string, nowMs: number): string {
  return toPipelineMetricsLine({ [POLLER_METRICS.failures]: 1 }, { [POLLER_CLUSTER_DIMENSION]: cluster }, nowMs, { reason });
}

/** The EMF line of one successful poll: the pipeline metric PollSuccesses of the cluster. */
export function toPollSuccessLine(cluster: string, nowMs: number): string {
  return toPipelineMetricsLine({ [POLLER_METRICS.successes]: 1 }, { [POLLER_CLUSTER_DIMENSION]: cluster }, nowMs);
}

/** The EMF line of one poll the deadline cut short: PollPartial of the cluster, with what was cut short beside it. */
export function toPollPartialLine(cluster: string, cutShort: readonly string[], nowMs: number): string {
  return toPipelineMetricsLine({ [POLLER_METRICS.partial]: 1 }, { [POLLER_CLUSTER_DIMENSION]: cluster }, nowMs, { cutShort: cutShort.join(',') });
}

/** The EMF line of one poll whose cluster outgrew its poller's memory: PollUndersized of the cluster, with the sizes beside it. */
export function toPollUndersizedLine(cluster: string, nodes: number, neededMb: number, nowMs: number): string {
  return toPipelineMetricsLine({ [POLLER_METRICS.undersized]: 1 }, { [POLLER_CLUSTER_DIMENSION]: cluster }, nowMs, { nodes: String(nodes), neededMb: String(neededMb) });
}

/**
 * The EMF line of a poll with node documents cut to fit or refused: PollDocumentsCut and
 * PollDocumentsRejected of the cluster (both, one of them may be 0).
 */
export function toPollDocumentsLine(cluster: string, cut: number, rejected: number, nowMs: number): string {
  return toPipelineMetricsLine({ [POLLER_METRICS.documentsCut]: cut, [POLLER_METRICS.documentsRejected]: rejected }, { [POLLER_CLUSTER_DIMENSION]: cluster }, nowMs);
}

/** What the memory sizes say of a poll of `nodes` nodes in a function of `memoryMb`: undefined when the function is large enough. */
export function toMemoryAdvice(nodes: number, memoryMb: number): { readonly neededMb: number; readonly capacityNodes: number } | undefined {
  const neededMb = toPollerMemoryMb(nodes);
  return neededMb > memoryMb ? { neededMb, capacityNodes: toPollerCapacityNodes(memoryMb) } : undefined;
}

/** Why a poll failed, in words an operator can act on. */
export function describePollError(error: unknown): string {
  // An answer of the API server (KubeApiError or the client's own): what its status means to an operator.
  const status = toStatusCode(error);
  if (status === 401) return 'the API server refused the token (401 Unauthorized): check the EKS access entry of the poller role and the cluster name signed in the token';
  if (status === 403) return 'the API server denied a list (403 Forbidden): check that the kinsight-poller ClusterRole is bound to the kinsight-pollers group';
  if (status !== undefined && status >= 500) return `the API server answered ${status}: it is overloaded or unhealthy; the next poll retries`;
  // Our own errors already say what failed and what to check.
  if (error instanceof KinsightError) return error.message;
  const e = error as { name?: string; code?: string; type?: string; message?: string } | null;
  if (e?.name === 'AbortError' || e?.type === 'aborted' || e?.name === 'TimeoutError') return 'a request to the API server timed out: it hangs or is overloaded; the next poll retries';
  const code = e?.code ?? (error as { cause?: { code?: string } } | null)?.cause?.code;
  if (code && /^(ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|ECONNRESET|EAI_AGAIN)$/.test(code)) {
    return `the API server is unreachable (${code}): check the endpoint access (private endpoint: run the poller in the cluster VPC)`;
  }
  if (status !== undefined) return `the API server answered ${status}`;
  return toSnippet(e?.message ?? String(error), 300);
}

/**
 * Creates the handler: validates the event, polls within the invocation's remaining time (minus a
 * margin), logs one line; a poll cut short by that deadline and a cluster grown beyond its poller's
 * memory each get a warning and a count; node documents cut to fit or refused get a warning with
 * their counts and the pods named, and are counted; a failure is logged, counted and rethrown.
 */
export function createHandler(deps: HandlerDeps): (event: PollerEvent, context?: InvocationContext) => Promise<PollSummary> {
  const warn = (message: string, extra: Record<string, unknown>) => (deps.logger.warn ?? deps.logger.error).call(deps.logger, message, extra);
  return async (event, context) => {
    const cluster = event?.cluster;
    if (typeof cluster !== 'string' || cluster === '') {
      throw new ConfigError(`poller event has no cluster name: ${toSnippet(event)}; expected the schedule's constant input {"cluster":"<name>"}`);
    }
    try {
      const nowMs = deps.now();
      const remainingMs = context?.getRemainingTimeInMillis();
      const deadline = remainingMs === undefined ? {} : { deadlineMs: nowMs + remainingMs - (deps.deadlineMarginMs ?? DEFAULT_DEADLINE_MARGIN_MS) };
      const summary = await deps.poll(cluster, nowMs, deadline);
      deps.logger.info('poll done', { ...summary, warnings: summary.warnings.slice(0, 5), warningCount: summary.warnings.length });
      deps.countSuccess?.(cluster);
      if (summary.partial) {
        deps.countPartial?.(cluster, summary.cutShort);
        warn('poll cut short by the invocation deadline: it wrote what it had', {
          cluster,
          cutShort: summary.cutShort,
          remainingMs,
          advice: 'records of complete lists and the documents written are right; the rest waits for the next poll. Give the cluster more memory (fleet file: clusters[].nodes) if this repeats',
        });
      }
      if (summary.documentsCut > 0 || summary.documentsRejected > 0) {
        deps.countDocuments?.(cluster, summary.documentsCut, summary.documentsRejected);
        warn('node documents cut to fit the item limit or refused by DynamoDB: the other documents were written', {
          cluster,
          documentsCut: summary.documentsCut,
          documentsRejected: summary.documentsRejected,
          documents: summary.warnings.filter((w) => / document cut to fit | refused its document /.test(w)),
          advice: 'a cut document names the pods it cut (labelsCut, detailCut, podsCut in docs/node-metadata.md); look for pods with very large label maps on these nodes',
        });
      }
      const advice = deps.memoryMb === undefined ? undefined : toMemoryAdvice(summary.nodes, deps.memoryMb);
      if (advice) {
        deps.countUndersized?.(cluster, summary.nodes, advice.neededMb);
        warn('cluster outgrew its poller memory', {
          cluster,
          nodes: summary.nodes,
          memoryMb: deps.memoryMb,
          sizedForNodes: advice.capacityNodes,
          advice: `set "nodes": ${summary.nodes} on this cluster in the fleet file and deploy: its poller then gets ${advice.neededMb} MB`,
        });
      }
      return summary;
    } catch (error) {
      const reason = describePollError(error);
      deps.countFailure(cluster, reason);
      deps.logger.error('poll failed', { cluster, reason, error: toSnippet((error as Error)?.message ?? error, 500) });
      throw new KinsightError(`poll of cluster "${cluster}" failed: ${reason}`, { cause: error });
    }
  };
}
