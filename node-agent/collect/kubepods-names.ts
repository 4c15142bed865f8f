import type { QosClass } from '../../core/record';

/** A pod directory recognised in the kubepods hierarchy. */
export interface PodDirName {
  uid: string;
}

/** A container directory recognised under a pod directory. */
export interface ContainerDirName {
  id: string;
  /** Known only from systemd scope names; the cgroupfs driver names a container by its bare id. */
  runtime?: string;
}

/** The kubepods root directory of each cgroup driver. */
export const KUBEPODS_DIRS = ['kubepods.slice', 'kubepods'] as const;

const QOS_DIRS: Record<string, QosClass> = {
  burstable: 'Burstable',
  besteffort: 'BestEffort',
  'kubepods-burstable.slice': 'Burstable',
  'kubepods-besteffort.slice': 'BestEffort',
};

/** The QoS class of a child of kubepods that groups pods (`burstable`, `kubepods-besteffort.slice`), if it is one. */
export const toQosClass = (dirName: string): QosClass | undefined => QOS_DIRS[dirName];

const UID = '[0-9a-fA-F]{8}[-_][0-9a-fA-F]{4}[-_][0-9a-fA-F]{4}[-_][0-9a-fA-F]{4}[-_][0-9a-fA-F]{12}';
const POD_CGROUPFS = new RegExp(`^pod(${UID})$`);
const POD_SYSTEMD = new RegExp(`^kubepods(?:-burstable|-besteffort)?-pod(${UID})\\.slice$`);

/**
 * Recognises a pod directory: `pod<uid>` (cgroupfs driver) or `kubepods[-<qos>]-pod<uid>.slice`
 * (systemd driver, which writes the UID's dashes as underscores).
 */
export function parsePodDirName(dirName: string): PodDirName | undefined {
  const m = POD_CGROUPFS.exec(dirName) ?? POD_SYSTEMD.exec(dirName);
  return m ? { uid: m[1].replace(/_/g, '-').toLowerCase() } : undefined;
}

const SCOPE = /^(cri-containerd|docker|crio)-([0-9a-f]{64})\.scope$/;
const SCOPE_RUNTIME: Record<string, string> = { 'cri-containerd': 'containerd', docker: 'docker', crio: 'cri-o' };
const BARE = /^(?:crio-)?([0-9a-f]{64})$/;

/**
 * Recognises a container directory: `cri-containerd-<id>.scope`, `docker-<id>.scope`,
 * `crio-<id>.scope` (systemd driver) or a bare 64-hex id (cgroupfs driver, containerd or docker).
 * Anything else (`crio-conmon-*`, sub-cgroups a workload made) is not a container.
 */
export function parseContainerDirName(dirName: string): ContainerDirName | undefined {
  const scope = SCOPE.exec(dirName);
  if (scope) return { id: scope[2], runtime: SCOPE_RUNTIME[scope[1]] };
  const bare = BARE.exec(dirName);
  return bare ? { id: bare[1], ...(dirName.startsWith('crio-') ? { runtime: 'cri-o' } : {}) } : undefined;
}
