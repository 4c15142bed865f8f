import type { HostReader } from './host-reader';
import { isContainerName, parseContainerLogName, parsePodLogDirName, toRestartCount, type ContainerLogName } from './pod-log-names';
import { isSystemError } from './read-tally';

/** The kubelet's default `podLogsDir`: `<dir>/<namespace>_<pod>_<uid>/<container>/<restartCount>.log`. */
export const DEFAULT_POD_LOGS_DIR = '/var/log/pods';
/** Where the kubelet links each container's log as `<pod>_<namespace>_<container>-<containerID>.log` (fixed in the kubelet). */
export const CONTAINER_LOGS_DIR = '/var/log/containers';

/** A directory as last listed: its modification time then, and whether to list it once more. */
interface Listed {
  mtimeMs: number;
  /**
   * List again at the next look even if the time has not changed: an entry added in the same clock
   * tick as the listing, just after it, leaves the same time. A listing that finds the time of the
   * previous one rules that out, since the two are an interval apart.
   */
  again: boolean;
}

/** A container directory of a pod's log directory. */
interface ContainerDirState {
  /** Undefined until the directory is first listed. */
  listed?: Listed;
  /** Undefined while the directory has no log file (the container has not started yet). */
  restartCount?: number;
}

/** What the agent knows of one pod's log directory. */
interface PodLogState {
  dirName: string;
  namespace: string;
  name: string;
  /** The pod's container ids (from its cgroups) when its directory was last listed in full, sorted and joined. */
  idsKey?: string;
  podDir?: Listed;
  containers: Map<string, ContainerDirState>;
  /** Restart count by container name, as given out last; replaced, never changed, when a count changes. */
  restartCounts?: ReadonlyMap<string, number>;
}

/** A pod directory found in the pod logs directory. */
interface PodDirEntry {
  dirName: string;
  namespace: string;
  name: string;
}

/**
 * What the agent remembers of the kubelet's log layout between cycles, so that a steady node costs
 * no listing at all: the names of the last listings of the two directories (a pod's directory and a
 * container's link keep their names for life), and what each pod's directory held.
 */
export interface PodLogsMemory {
  /** Pod directories by pod uid, as last listed; null where two directories claim one uid. */
  podDirs: Map<string, PodDirEntry | null>;
  /** Links of /var/log/containers by container id, as last listed; null where two links claim one id. */
  links: Map<string, ContainerLogName | null>;
  /** What was read in each pod's directory, for the pods of the last cycle. */
  pods: Map<string, PodLogState>;
  podLogsDir?: Listed;
  linksDir?: Listed;
}

/** An empty {@link PodLogsMemory}, for the first cycle. */
export const createPodLogsMemory = (): PodLogsMemory => ({ podDirs: new Map(), links: new Map(), pods: new Map() });

/** A pod's identity on the node. */
export interface PodIdentity {
  namespace: string;
  name: string;
  /** Restart count by container name, for every container directory with a log file (also containers without a cgroup). */
  restartCounts: ReadonlyMap<string, number>;
}

/** What the log layout says about the pods of one cycle. */
export interface PodLogsReading {
  /** By pod uid. */
  pods: Map<string, PodIdentity>;
  /** Container name by container id, from the link that names the container's pod. */
  containerNames: Map<string, string>;
  /** Listings that failed for another reason than a pod or container ending (a missing or unreadable directory). */
  errors: number;
  /** The first of those failures, `<host path>: <error code>`. */
  problem?: string;
}

/** A pod of this cycle as the cgroups found it: its uid and its containers' runtime ids. */
export interface PodToName {
  uid: string;
  containers: readonly { id: string }[];
}

/** `/var/log/pods` -> `var/log/pods` (HostReader paths are relative to the host root). */
const toHostRel = (hostPath: string): string => hostPath.replace(/^\/+|\/+$/g, '');

/** Stats `path`; says whether to list it, from what the last listing saw. */
function look(host: HostReader, path: string, listed: Listed | undefined): { listed: Listed; changed: boolean } {
  const mtimeMs = host.modifiedMs(path);
  if (listed !== undefined && !listed.again && listed.mtimeMs === mtimeMs) return { listed, changed: false };
  return { listed: { mtimeMs, again: listed?.mtimeMs !== mtimeMs }, changed: true };
}

const isGone = (error: unknown): boolean => isSystemError(error) && (error.code === 'ENOENT' || error.code === 'ENOTDIR');

/**
 * Names the pods and containers of a cycle from the kubelet's log layout, reading directory and link
 * names only (never a log's content, never a link's target): the pod directory
 * `<podLogsDir>/<namespace>_<pod>_<uid>` gives a pod's namespace and name, its subdirectories the
 * container names and each one's highest `<n>.log` its restart count, and the links of
 * `/var/log/containers` map container ids to names.
 *
 * What does not change is not read again: a pod's directory is listed when the pod is new, when its
 * container ids changed (a restart gives a new id), or, for a container without a running cgroup
 * (crash-looping, waiting, a finished init container), when the directory's modification time says
 * so; the links only while a container id has no name. A pod or container directory that vanishes is
 * the pod or container ending: no error. Other failures (the directory missing or unreadable) are
 * counted, and the pods they concern go without identity.
 *
 * @param podLogsDir the kubelet's `podLogsDir`, a path of the host (read below the host root)
 * @param memory what earlier cycles read; updated in place
 */
export function readPodLogs(host: HostReader, podLogsDir: string, pods: readonly PodToName[], memory: PodLogsMemory): PodLogsReading {
  const reading: PodLogsReading = { pods: new Map(), containerNames: new Map(), errors: 0 };
  const fail = (hostPath: string, error: unknown): void => {
    if (!isSystemError(error)) throw error;
    reading.errors += 1;
    reading.problem ??= `${hostPath}: ${error.code}`;
  };
  const podsRel = toHostRel(podLogsDir);
  findPodDirs(host, podsRel, pods, memory, fail);
  findContainerNames(host, pods, memory, fail);

  for (const pod of pods) {
    const state = memory.pods.get(pod.uid);
    const running = new Set<string>();
    for (const c of pod.containers) {
      const link = memory.links.get(c.id);
      // A link whose pod is not the pod of the cgroup is not believed.
      if (!link || (state !== undefined && (link.namespace !== state.namespace || link.pod !== state.name))) continue;
      reading.containerNames.set(c.id, link.container);
      running.add(link.container);
    }
    if (state === undefined) continue;
    const podDir = `${podsRel}/${state.dirName}`;
    const idsKey = pod.containers.map((c) => c.id).sort().join(',');
    try {
      if (state.idsKey !== idsKey || state.podDir === undefined) {
        relistPod(host, podDir, state, { force: true, running });
        state.idsKey = idsKey;
      } else if (!isSettled(state, running)) {
        // The same containers run, so their counts stand; one without a cgroup may have restarted, or a new one appeared.
        relistPod(host, podDir, state, { force: false, running });
      }
    } catch (error) {
      if (isGone(error)) {
        // The pod ended between two reads.
        memory.pods.delete(pod.uid);
        continue;
      }
      fail(`/${podDir}`, error);
    }
    reading.pods.set(pod.uid, { namespace: state.namespace, name: state.name, restartCounts: state.restartCounts ?? NO_COUNTS });
  }

  const uids = new Set(pods.map((p) => p.uid));
  for (const uid of memory.pods.keys()) if (!uids.has(uid)) memory.pods.delete(uid);
  return reading;
}

const NO_COUNTS: ReadonlyMap<string, number> = new Map();

/** True when every container directory of the pod belongs to a running container: nothing there can change without a new container id. */
function isSettled(state: PodLogState, running: ReadonlySet<string>): boolean {
  if (state.containers.size === 0) return false;
  for (const name of state.containers.keys()) if (!running.has(name)) return false;
  return true;
}

/**
 * Lists `/var/log/containers` when a container of this cycle is not among the links of the last
 * listing (and the directory changed since). Every link is kept, not only those of the containers
 * waiting for a name: the kubelet links a container before it starts, so its link may be listed
 * before its cgroup appears.
 */
function findContainerNames(host: HostReader, pods: readonly PodToName[], memory: PodLogsMemory, fail: (path: string, error: unknown) => void): void {
  if (pods.every((p) => p.containers.every((c) => memory.links.has(c.id)))) return;
  const rel = toHostRel(CONTAINER_LOGS_DIR);
  try {
    const seen = look(host, rel, memory.linksDir);
    memory.linksDir = seen.listed;
    if (!seen.changed) return;
    const links = new Map<string, ContainerLogName | null>();
    for (const fileName of host.listNames(rel)) {
      const link = parseContainerLogName(fileName);
      // Two links for one id cannot both be the kubelet's: neither is believed.
      if (link !== undefined) links.set(link.id, links.has(link.id) ? null : link);
    }
    memory.links = links;
  } catch (error) {
    fail(CONTAINER_LOGS_DIR, error);
  }
}

/**
 * Lists the pod logs directory when a pod of this cycle is not among the directories of the last
 * listing (and the directory changed since), then starts reading each new pod's directory.
 */
function findPodDirs(host: HostReader, podsRel: string, pods: readonly PodToName[], memory: PodLogsMemory, fail: (path: string, error: unknown) => void): void {
  const unknown = pods.filter((p) => !memory.pods.has(p.uid));
  if (unknown.length === 0) return;
  if (unknown.some((p) => !memory.podDirs.has(p.uid))) {
    try {
      const seen = look(host, podsRel, memory.podLogsDir);
      memory.podLogsDir = seen.listed;
      if (seen.changed) {
        const podDirs = new Map<string, PodDirEntry | null>();
        for (const dirName of host.listDirs(podsRel)) {
          const parsed = parsePodLogDirName(dirName);
          // Two directories for one uid cannot both be the kubelet's: neither is believed.
          if (parsed !== undefined) podDirs.set(parsed.uid, podDirs.has(parsed.uid) ? null : { dirName, namespace: parsed.namespace, name: parsed.name });
        }
        memory.podDirs = podDirs;
      }
    } catch (error) {
      fail(`/${podsRel}`, error);
    }
  }
  for (const pod of unknown) {
    const dir = memory.podDirs.get(pod.uid);
    if (dir) memory.pods.set(pod.uid, { ...dir, containers: new Map() });
  }
}

/**
 * Reads a pod's container directories: all of them (`force`), or only those that may have changed:
 * a container running under the same id as at the last full listing has the same restart count.
 * Throws when the pod directory cannot be read (ENOENT: the pod ended).
 */
function relistPod(host: HostReader, podDir: string, state: PodLogState, options: { force: boolean; running: ReadonlySet<string> }): void {
  const seen = look(host, podDir, options.force ? undefined : state.podDir);
  state.podDir = seen.listed;
  if (seen.changed) {
    const containers = new Map<string, ContainerDirState>();
    for (const name of host.listDirs(podDir)) if (isContainerName(name)) containers.set(name, state.containers.get(name) ?? {});
    state.containers = containers;
  }
  let changed = state.restartCounts === undefined;
  for (const [name, known] of state.containers) {
    if (!options.force && known.listed !== undefined && options.running.has(name)) continue;
    const dir = `${podDir}/${name}`;
    try {
      const again = look(host, dir, options.force ? undefined : known.listed);
      if (!again.changed) continue;
      const restartCount = toRestartCount(host.listNames(dir));
      changed ||= restartCount !== known.restartCount;
      state.containers.set(name, { listed: again.listed, restartCount });
    } catch (error) {
      // The container directory went away (its container was removed): it no longer counts.
      if (!isGone(error)) throw error;
      state.containers.delete(name);
      changed = true;
    }
  }
  if (changed || seen.changed) state.restartCounts = toCounts(state);
}

/** The restart counts of a pod's containers, as a new map: samples keep the maps they were given. */
function toCounts(state: PodLogState): ReadonlyMap<string, number> {
  const counts = new Map<string, number>();
  for (const [name, c] of state.containers) if (c.restartCount !== undefined) counts.set(name, c.restartCount);
  return counts;
}
