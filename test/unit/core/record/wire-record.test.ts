import { toWireRecord } from '../../../../core/record/wire-record';
import { toRecordFixture } from '../../../helpers/record-fixtures';

describe('toWireRecord', () => {
  it('writes each figure once per field, and leaves out a field no row has', () => {
    const wire = toWireRecord(toRecordFixture());
    const rows = 1 + wire.pods.uid.length + wire.containers.id.length;
    expect(wire.cgroups.gauges.memoryWorkingSetBytes).toHaveLength(rows);
    expect(wire.cgroups.deltas.cpuThrottledNs).toBeUndefined();
    expect(JSON.stringify(wire).match(/memoryWorkingSetBytes/g)).toHaveLength(1);
  });

  it('puts the node row first, then the pods, then their containers pod by pod, and the node interfaces before the pods', () => {
    const wire = toWireRecord(toRecordFixture());
    expect(wire.cgroups.deltas.cpuUsageNs).toEqual([120e9, 30e9, 6e9, 18e9, 12e9, 6e9]);
    expect(wire.pods).toEqual({ uid: ['uid-web', 'uid-report'], qos: ['Burstable', 'BestEffort'], hostNetwork: [null, true], containers: [2, 1] });
    expect(wire.interfaces.pod).toEqual([null, null, 0]);
    expect(wire.interfaces.name).toEqual(['eth0', 'eni1', 'eth0']);
  });
});
