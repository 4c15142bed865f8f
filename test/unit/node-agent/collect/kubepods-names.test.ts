import { parseContainerDirName, parsePodDirName, toQosClass } from '../../../../node-agent/collect/kubepods-names';

const UID = 'a1b2c3d4-e5f6-4789-9abc-def012345678';
const ID = 'ab'.repeat(32);

describe('kubepods directory names', () => {
  it('recognises pod directories of the cgroupfs and systemd drivers', () => {
    expect(parsePodDirName(`pod${UID}`)).toEqual({ uid: UID });
    expect(parsePodDirName(`kubepods-burstable-pod${UID.replace(/-/g, '_')}.slice`)).toEqual({ uid: UID });
    expect(parsePodDirName(`kubepods-besteffort-pod${UID.replace(/-/g, '_')}.slice`)).toEqual({ uid: UID });
    expect(parsePodDirName(`kubepods-pod${UID.replace(/-/g, '_')}.slice`)).toEqual({ uid: UID });
  });

  it('rejects directories that are not pods', () => {
    for (const name of ['burstable', 'kubepods-burstable.slice', 'pod123', 'system.slice', `xpod${UID}`]) expect(parsePodDirName(name)).toBeUndefined();
  });

  it('maps QoS directories of both drivers and leaves pod directories alone', () => {
    expect(toQosClass('burstable')).toBe('Burstable');
    expect(toQosClass('kubepods-besteffort.slice')).toBe('BestEffort');
    expect(toQosClass(`pod${UID}`)).toBeUndefined();
  });

  it('recognises containerd, docker and cri-o scopes and bare cgroupfs ids', () => {
    expect(parseContainerDirName(`cri-containerd-${ID}.scope`)).toEqual({ id: ID, runtime: 'containerd' });
    expect(parseContainerDirName(`docker-${ID}.scope`)).toEqual({ id: ID, runtime: 'docker' });
    expect(parseContainerDirName(`crio-${ID}.scope`)).toEqual({ id: ID, runtime: 'cri-o' });
    expect(parseContainerDirName(ID)).toEqual({ id: ID });
  });

  it('rejects conmon scopes and other sub-cgroups as containers', () => {
    for (const name of [`crio-conmon-${ID}.scope`, 'init.scope', ID.slice(1), `cri-containerd-${ID}`]) expect(parseContainerDirName(name)).toBeUndefined();
  });
});
