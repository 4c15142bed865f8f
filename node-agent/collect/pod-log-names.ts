/** A pod directory of the kubelet's log layout: `<namespace>_<name>_<uid>`. */
export interface PodLogDirName {
  namespace: string;
  name: string;
  uid: string;
}

/** A link of `/var/log/containers`: `<pod>_<namespace>_<container>-<containerID>.log`. */
export interface ContainerLogName {
  namespace: string;
  pod: string;
  container: string;
  id: string;
}

// Kubernetes names: namespaces and container names are DNS-1123 labels, pod names DNS-1123
// subdomains. Neither allows `_`, which is why the kubelet can join them with it.
const DNS_LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?$/;
// The pod UIDs the kubepods cgroups name (kubepods-names.ts): the directory is only useful joined to one.
const POD_UID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CONTAINER_ID = /^[0-9a-f]{64}$/;

/** True for a name Kubernetes allows as a container name (and the kubelet uses as a directory name). */
export const isContainerName = (name: string): boolean => DNS_LABEL.test(name);

/** Splits `a_b_c` into its three parts; undefined unless there are exactly two underscores. */
function splitThree(text: string): [string, string, string] | undefined {
  const first = text.indexOf('_');
  const second = first < 0 ? -1 : text.indexOf('_', first + 1);
  if (second < 0 || text.indexOf('_', second + 1) >= 0) return undefined;
  return [text.slice(0, first), text.slice(first + 1, second), text.slice(second + 1)];
}

/**
 * Recognises a pod directory of the kubelet's log layout (`default_web-7d9f8b6c5-x2x9k_<uid>`).
 * Anything else (a stray file name, a static pod's hash UID, names Kubernetes would refuse) is not one.
 */
export function parsePodLogDirName(dirName: string): PodLogDirName | undefined {
  const parts = splitThree(dirName);
  if (!parts) return undefined;
  const [namespace, name, uid] = parts;
  return DNS_LABEL.test(namespace) && DNS_SUBDOMAIN.test(name) && POD_UID.test(uid) ? { namespace, name, uid } : undefined;
}

/**
 * Recognises the name of a link in `/var/log/containers` (`web-7d9f8b6c5-x2x9k_default_web-<64 hex>.log`).
 * Only the name is read: the link's target is never followed.
 */
export function parseContainerLogName(fileName: string): ContainerLogName | undefined {
  if (!fileName.endsWith('.log')) return undefined;
  const parts = splitThree(fileName.slice(0, -4));
  if (!parts) return undefined;
  const [pod, namespace, rest] = parts;
  // `<container>-<id>`: the id is the last 64 characters, the container name may itself hold dashes.
  if (rest.length < 66 || rest.charCodeAt(rest.length - 65) !== 45 /* - */) return undefined;
  const id = rest.slice(-64);
  const container = rest.slice(0, -65);
  return DNS_LABEL.test(namespace) && DNS_SUBDOMAIN.test(pod) && DNS_LABEL.test(container) && CONTAINER_ID.test(id) ? { namespace, pod, container, id } : undefined;
}

/** Restart counts above this are not a kubelet's (9 digits: no overflow, no float). */
const MAX_DIGITS = 9;

/**
 * The restart count of a container from the names of its log directory: the highest `<n>` of
 * `<n>.log` (the kubelet names each run's log by its restart count) and of that log's rotated files
 * (`<n>.log.<timestamp>`, `.gz`, `.tmp`), which still exist while the kubelet swaps the current file
 * out. Undefined when no name is a log (a container not started yet). Names are read character by
 * character without allocating: a directory may hold thousands of rotated files.
 */
export function toRestartCount(fileNames: readonly string[]): number | undefined {
  let highest = -1;
  for (const name of fileNames) {
    let n = 0;
    let i = 0;
    for (; i < name.length && i <= MAX_DIGITS; i += 1) {
      const c = name.charCodeAt(i);
      if (c < 48 || c > 57) break;
      n = n * 10 + (c - 48);
    }
    // No digits, too many, or a leading zero the kubelet never writes (`%d`).
    if (i === 0 || i > MAX_DIGITS || (i > 1 && name.charCodeAt(0) === 48)) continue;
    if (!name.startsWith('.log', i)) continue;
    const end = i + 4;
    if (end !== name.length && name.charCodeAt(end) !== 46 /* . */) continue;
    if (n > highest) highest = n;
  }
  return highest < 0 ? undefined : highest;
}
