/** One mount of interest from /proc/mounts. */
export interface MountEntry {
  device: string;
  mountpoint: string;
  fstype: string;
}

/** Devices Container Insights reports as NodeFS (its allow-list `^(tmpfs|/dev/.*|overlay)$`). */
const REPORTED_DEVICE = /^(tmpfs|\/dev\/.*|overlay)$/;
/** Per-pod and per-container mounts: volumes, secrets and container root filesystems are not node filesystems. */
const PER_WORKLOAD = /^\/(var\/lib\/kubelet\/pods|run\/containerd|var\/lib\/containerd|var\/lib\/docker|run\/docker|run\/netns|var\/run\/netns|proc|sys|dev)(\/|$)/;

/**
 * Parses /proc/mounts into the filesystems of the node: devices matching the Container Insights
 * allow-list, without per-pod and per-container mounts, first mount of each device only
 * (a device mounted twice is one filesystem). Octal escapes (`\040` for a space) are decoded.
 */
export function parseMounts(text: string): MountEntry[] {
  const seen = new Set<string>();
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const [device, rawMountpoint, fstype] = line.trim().split(/\s+/);
    if (device === undefined || rawMountpoint === undefined || fstype === undefined) continue;
    const mountpoint = rawMountpoint.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (!REPORTED_DEVICE.test(device) || PER_WORKLOAD.test(mountpoint) || seen.has(device)) continue;
    seen.add(device);
    out.push({ device, mountpoint, fstype });
  }
  return out;
}
