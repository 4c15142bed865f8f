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

const COMMANDS = ['local', 'agent', 'replay', 'poll', 'manifest', 'cost', 'doctor'];

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
    expect(out.stderr).toBe('kinsight: unknown command "frobnicate"; expected one of local, agent, replay, poll, manifest, cost, doctor (see kinsight --help)\n');
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

  it('runs kinsight doctor from its own bundle, and exits 2 on a bad command line', async () => {
    const out = await kinsight(process.execPath, [BIN, 'doctor', '--local', join(ROOT, 'no-such-folder')]);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/^kinsight doctor: no local pipeline writes to .*no-such-folder/);
    const fleet = await kinsight(process.execPath, [BIN, 'doctor', '--fleet', join(ROOT, 'no-such-fleet.json'), '--json']);
    expect(fleet.code).toBe(1);
    expect(JSON.parse(fleet.stdout)).toMatchObject({ ok: false, passed: 0, failed: 1, results: [{ cluster: null, check: 'fleet-file', ok: false }] });
  });

  it('loads the doctor\'s AWS bundle when it checks a fleet (every AWS endpoint here is a closed loopback port)', async () => {
    const env = { ...process.env, AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_MAX_ATTEMPTS: '1', AWS_EC2_METADATA_DISABLED: 'true' };
    const { code, stdout } = await run(process.execPath, [BIN, 'doctor', '--fleet', join(ROOT, 'fleet.example.json'), '--region', 'eu-west-1', '--before-deploy'], { cwd: ROOT, env, timeout: 20_000 }).then(
      (r) => ({ code: 0, stdout: r.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
    );
    expect(code).toBe(1);
    expect(stdout).toMatch(/^✓ \(fleet\) +fleet-file +\S*fleet\.example\.json: 3 clusters/);
    expect(stdout).toMatch(/✗ \(fleet\) +cdk-bootstrap +could not check: .*ECONNREFUSED/);
    expect(stdout).toMatch(/✗ payments +cluster-active +could not check: .*ECONNREFUSED/);
  });

  it('runs through `npx --no-install kinsight` as the README shows', async () => {
    const out = await kinsight('npx', ['--no-install', 'kinsight', '--help']);
    expect(out.code).toBe(0);
    for (const name of COMMANDS) expect(out.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
  }, 90_000);
});
