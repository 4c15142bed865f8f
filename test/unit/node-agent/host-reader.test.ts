import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHostReader } from '../../../node-agent/collect/host-reader';

describe('createHostReader', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'kinsight-reader-'));
    mkdirSync(join(root, 'proc/42'), { recursive: true });
    writeFileSync(join(root, 'proc/uptime'), '1.00 2.00\n');
    symlinkSync('net:[4026531840]', join(root, 'proc/42/net'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('reads files, directories, links and existence below the host root', () => {
    const host = createHostReader(`${root}/`);
    expect(host.readText('proc/uptime')).toBe('1.00 2.00\n');
    expect(host.listDirs('proc')).toEqual(['42']);
    expect(host.readLink('proc/42/net')).toBe('net:[4026531840]');
    expect(host.exists('proc/uptime')).toBe(true);
    expect(host.exists('proc/nope')).toBe(false);
    expect(host.statfs('.').blocks).toBeGreaterThan(0);
  });

  it('reads a kept-open file again from the start and sees content rewritten in place', () => {
    const host = createHostReader(root);
    expect(host.readText('proc/uptime')).toBe('1.00 2.00\n');
    writeFileSync(join(root, 'proc/uptime'), '3.5 7\n');
    expect(host.readText('proc/uptime')).toBe('3.5 7\n');
  });

  it('reads files larger than its buffer whole', () => {
    const big = 'x'.repeat(200_000);
    writeFileSync(join(root, 'proc/big'), big);
    expect(createHostReader(root).readText('proc/big')).toBe(big);
  });

  it('closes files not read since the previous release, so a replaced file is opened afresh', () => {
    const host = createHostReader(root);
    host.readText('proc/uptime');
    const replace = (text: string): void => {
      unlinkSync(join(root, 'proc/uptime'));
      writeFileSync(join(root, 'proc/uptime'), text);
    };
    replace('5 5\n');
    // Still open: a regular file replaced by a new one is not seen (cgroupfs fails with ENODEV instead).
    expect(host.readText('proc/uptime')).toBe('1.00 2.00\n');
    host.release?.();
    host.release?.();
    expect(host.readText('proc/uptime')).toBe('5 5\n');
  });

  it('opens and closes per read when told not to keep files open', () => {
    const host = createHostReader(root, { keepOpen: false });
    host.readText('proc/uptime');
    unlinkSync(join(root, 'proc/uptime'));
    writeFileSync(join(root, 'proc/uptime'), '9 9\n');
    expect(host.readText('proc/uptime')).toBe('9 9\n');
  });

  it('lists every entry by name without following links, and directories without the links to directories', () => {
    mkdirSync(join(root, 'logs/pod/app'), { recursive: true });
    writeFileSync(join(root, 'logs/pod/app/0.log'), '');
    symlinkSync('/etc', join(root, 'logs/escape'));
    symlinkSync('/etc/passwd', join(root, 'logs/pod/app/1.log'));
    const host = createHostReader(root);
    expect(host.listDirs('logs').sort()).toEqual(['pod']);
    expect(host.listNames('logs').sort()).toEqual(['escape', 'pod']);
    expect(host.listNames('logs/pod/app').sort()).toEqual(['0.log', '1.log']);
  });

  it('gives a directory\'s modification time, which moves when an entry is added', () => {
    const host = createHostReader(root);
    mkdirSync(join(root, 'logs'));
    utimesSync(join(root, 'logs'), 1_700_000_000, 1_700_000_000);
    expect(host.modifiedMs('logs')).toBe(1_700_000_000_000);
    writeFileSync(join(root, 'logs/0.log'), '');
    expect(host.modifiedMs('logs')).toBeGreaterThan(1_700_000_000_000);
    expect(() => host.modifiedMs('nope')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });

  it('fails with the fs error for a missing file', () => {
    expect(() => createHostReader(root).readText('proc/missing')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});
