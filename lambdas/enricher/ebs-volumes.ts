import type { NodeMetadata } from '../../core/node-metadata';
import type { NodeRecord } from '../../core/record';

/**
 * The `EBSVolumeId` attribute of NodeFS and NodeDiskIO events (catalog section 3), `aws://<az>/<vol-id>`,
 * from what the agent and the poller know of a node's block devices:
 *
 * - the disk's serial (the agent's `disks[].serial`): on Nitro instances an EBS volume's NVMe
 *   serial is its volume id without the dash (`vol0123456789abcdef0`), the exact answer;
 * - else the EC2 block device mapping of the node's document (`ebsVolumes`, `/dev/xvdf` -> `vol-...`)
 *   by the kernel's name of the disk: on Xen instances `/dev/sdf` appears as `xvdf`, so both spellings
 *   are tried.
 *
 * A filesystem belongs to the disk its partition is on (`/dev/nvme0n1p1` -> `nvme0n1`, `/dev/xvda1`
 * -> `xvda`). Without the node's availability zone (the document's `availabilityZone`) there is no
 * attribute. The receiver maps devices through EC2 DescribeVolumes and the `/dev` symlinks of the node
 * instead, with a prefix match of the device name (`nvme1n1` also matches `nvme1n10p1`); this exact
 * match of the disk is deliberate (docs/metrics.md).
 */

/** The EBS volume ids of one record's devices. */
export interface EbsVolumeIds {
  /** `EBSVolumeId` of a block device by its kernel name (`nvme0n1`), or undefined. */
  ofDisk(device: string): string | undefined;
  /** `EBSVolumeId` of a filesystem by its device (`/dev/nvme0n1p1`), or undefined. */
  ofFilesystem(device: string): string | undefined;
}

const NONE: EbsVolumeIds = { ofDisk: () => undefined, ofFilesystem: () => undefined };
/** An EBS volume's NVMe serial or id: `vol` and 8 or 17 hex digits, with or without the dash. */
const VOLUME = /^vol-?([0-9a-f]{8}|[0-9a-f]{17})$/;
/** A partition of an NVMe disk (`nvme0n1p1`) or of a disk named by letters (`xvda1`, `sdb2`). */
const NVME_PARTITION = /^(nvme\d+n\d+)p\d+$/;
const LETTERED_PARTITION = /^([a-z]*[a-z])\d+$/;
/** A device cAdvisor knows only by `major:minor`. */
const MAJOR_MINOR = /^\d+:\d+$/;

/** The kernel name of the disk a device or partition is on (`/dev/nvme0n1p1` -> `nvme0n1`). */
export function toDiskName(device: string): string {
  const name = device.startsWith('/dev/') ? device.slice(5) : device;
  return NVME_PARTITION.exec(name)?.[1] ?? LETTERED_PARTITION.exec(name)?.[1] ?? name;
}

/** The NodeDiskIO `device` attribute: `/dev/<name>` as cAdvisor names it, `major:minor` as it is. */
export const toDiskIoDevice = (device: string): string => (MAJOR_MINOR.test(device) || device.startsWith('/dev/') ? device : `/dev/${device}`);

/** The EC2 device names a kernel disk name may have been attached under (`xvdf` <- `/dev/xvdf` or `/dev/sdf`). */
function toMappingNames(name: string): string[] {
  if (name.startsWith('xvd')) return [`/dev/${name}`, `/dev/sd${name.slice(3)}`];
  if (name.startsWith('sd')) return [`/dev/${name}`, `/dev/xvd${name.slice(2)}`];
  return [`/dev/${name}`];
}

/** The EBS volume ids of a record's disks and filesystems, with the node's document. */
export function toEbsVolumeIds(record: NodeRecord, metadata: NodeMetadata | undefined): EbsVolumeIds {
  const zone = metadata?.availabilityZone;
  if (zone === undefined || (record.disks.length === 0 && record.filesystems.length === 0)) return NONE;
  const bySerial = new Map<string, string>();
  for (const disk of record.disks) {
    const id = disk.serial === undefined ? undefined : VOLUME.exec(disk.serial)?.[1];
    if (id !== undefined) bySerial.set(disk.device, `vol-${id}`);
  }
  const mappings = metadata?.ebsVolumes ?? {};
  const ofName = (name: string): string | undefined => {
    const volume = bySerial.get(name) ?? toMappingNames(name).map((n) => mappings[n]).find((v) => v !== undefined);
    return volume === undefined ? undefined : `aws://${zone}/${volume}`;
  };
  return {
    ofDisk: (device) => ofName(toDiskName(device)),
    ofFilesystem: (device) => {
      if (!device.startsWith('/dev/')) return undefined;
      // A mapping may name the partition itself (a root device `/dev/sda1` on Xen instances).
      const own = toMappingNames(device.slice(5)).map((n) => mappings[n]).find((v) => v !== undefined);
      return own !== undefined ? `aws://${zone}/${own}` : ofName(toDiskName(device));
    },
  };
}
