import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { createHostReader } from '../../../../node-agent/collect/host-reader';

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

describe('createHostReader file identities', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'kinsight-reader-'));
    mkdirSync(join(root, 'proc/1/net'), { recursive: true });
    mkdirSync(join(root, 'proc/7'), { recursive: true });
    writeFileSync(join(root, 'proc/1/net/dev'), 'same\n');
    writeFileSync(join(root, 'proc/7/dev'), 'same\n');
    symlinkSync('../1/net', join(root, 'proc/7/net'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('gives one identity to a file reached through a link and another to a file of the same content', () => {
    const host = createHostReader(root);
    expect(host.fileId('proc/7/net/dev')).toBe(host.fileId('proc/1/net/dev'));
    expect(host.fileId('proc/7/dev')).not.toBe(host.fileId('proc/1/net/dev'));
    expect(() => host.fileId('proc/8/net/dev')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});

/** Whether this machine lets a process enter a new network namespace (a user namespace or root). */
const canUnshare = process.platform === 'linux' && spawnSync('unshare', ['-rn', 'true']).status === 0;

describe('createHostReader on this machine\'s /proc', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) child.kill();
  });
  /** Starts `sleep` (in a new network namespace with unshare) and waits until /proc shows it as sleep. */
  const start = async (args: string[]): Promise<number> => {
    const child = spawn(args[0], args.slice(1), { stdio: 'ignore' });
    children.push(child);
    const host = createHostReader('/', { keepOpen: false });
    for (let i = 0; i < 200; i += 1) {
      if (host.readText(`proc/${child.pid}/comm`) === 'sleep\n') return child.pid as number;
      await sleep(10);
    }
    throw new Error(`process ${child.pid} did not become sleep within 2 s`);
  };

  (canUnshare ? it : it.skip)('gives net/dev of processes in one network namespace one identity and of a process in another namespace a different one', async () => {
    const host = createHostReader('/', { keepOpen: false });
    const sibling = await start(['sleep', '30']);
    const isolated = await start(['unshare', '-rn', 'sleep', '30']);
    const own = host.fileId(`proc/${process.pid}/net/dev`);
    expect(host.fileId(`proc/${sibling}/net/dev`)).toBe(own);
    expect(host.fileId(`proc/${isolated}/net/dev`)).not.toBe(own);
    // Same content would not tell them apart: a new namespace has only lo, which the host has too.
    expect(host.readText(`proc/${isolated}/net/dev`)).toMatch(/^\s*lo:/m);
  });
});
