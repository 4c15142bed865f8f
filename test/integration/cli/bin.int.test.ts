import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

// The `kinsight` command exactly as a user runs it: the package's bin in a child process, on the
// bundle `npm test` has just built (dist/kinsight.js).
const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'kinsight.js');

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function kinsight(file: string, args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd: ROOT, env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true' }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const COMMANDS = ['local', 'agent', 'replay', 'poll', 'manifest', 'cost'];

describe('the kinsight bin (bin/kinsight.js)', () => {
  it('prints every command on --help and exits 0', async () => {
    const out = await kinsight(process.execPath, [BIN, '--help']);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^Usage: kinsight <command> \[options\]/);
    for (const name of COMMANDS) expect(out.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    expect(out.stderr).toBe('');
  });

  it('prints the usage of a command on `<command> --help` and exits 0', async () => {
    const out = await kinsight(process.execPath, [BIN, 'cost', '--help']);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/--nodes/);
  });

  it('runs a command and prints its output', async () => {
    const out = await kinsight(process.execPath, [BIN, 'cost', '--nodes', '2', '--pods-per-node', '3']);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/custom metrics/i);
  });

  it('fails with exit 1 and the usage on stderr when no command is given', async () => {
    const out = await kinsight(process.execPath, [BIN]);
    expect(out.code).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/^Usage: kinsight <command>/);
  });

  it('rejects an unknown command with exit 1 and names the commands', async () => {
    const out = await kinsight(process.execPath, [BIN, 'frobnicate']);
    expect(out.code).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toBe('kinsight: unknown command "frobnicate"; expected one of local, agent, replay, poll, manifest, cost (see kinsight --help)\n');
  });

  it('rejects an unknown flag with exit 1 and one line pointing at --help', async () => {
    const out = await kinsight(process.execPath, [BIN, 'cost', '--bogus']);
    expect(out.code).toBe(1);
    expect(out.stderr).toBe("kinsight cost: Unknown option '--bogus'; see kinsight cost --help\n");
  });

  it('rejects a bad flag value with exit 1', async () => {
    const out = await kinsight(process.execPath, [BIN, 'cost', '--nodes', 'many']);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/^kinsight cost: .*--nodes.*"many"/);
  });

  it('runs through `npx --no-install kinsight` as the README shows', async () => {
    const out = await kinsight('npx', ['--no-install', 'kinsight', '--help']);
    expect(out.code).toBe(0);
    for (const name of COMMANDS) expect(out.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
  }, 90_000);
});
