import type { CgroupVersion } from '../../core/record';
import type { HostReader } from './host-reader';

/** Where each cgroup controller lives under the host root. All paths are relative to the host root. */
export interface CgroupLayout {
  version: CgroupVersion;
  /** v2: the unified hierarchy, which holds every controller. */
  unified?: string;
  cpu?: string;
  cpuacct?: string;
  memory?: string;
  blkio?: string;
  /** The hierarchy used to list kubepods and to find processes (unified on v2, memory on v1). */
  listing: string;
}

const CGROUP_ROOT = 'sys/fs/cgroup';

/**
 * Detects the cgroup layout of a host: v2 when `sys/fs/cgroup/cgroup.controllers` exists (the
 * unified hierarchy is mounted at the root), otherwise v1 or hybrid, whose v1 controllers are
 * mounted per controller (`cpu,cpuacct` co-mounted on some distributions, `cpuacct` on others).
 */
export function detectCgroupLayout(host: HostReader): CgroupLayout {
  if (host.exists(`${CGROUP_ROOT}/cgroup.controllers`)) return { version: 2, unified: CGROUP_ROOT, listing: CGROUP_ROOT };
  const find = (...names: string[]): string | undefined =>
    names.map((n) => `${CGROUP_ROOT}/${n}`).find((p) => host.exists(p));
  const memory = find('memory');
  const cpuacct = find('cpuacct', 'cpu,cpuacct', 'cpuacct,cpu');
  return {
    version: 1,
    cpu: find('cpu', 'cpu,cpuacct', 'cpuacct,cpu'),
    cpuacct,
    memory,
    blkio: find('blkio'),
    listing: memory ?? cpuacct ?? CGROUP_ROOT,
  };
}
