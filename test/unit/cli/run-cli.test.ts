import { runCli } from '../../../cli/run-cli';
import type { CliIo } from '../../../cli/io';

function captureIo(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { env: {}, stdout: (t) => out.push(t), stderr: (t) => err.push(t), stopSignal: new AbortController().signal, out, err };
}

describe('kinsight CLI', () => {
  it('lists every subcommand on --help and exits 0', async () => {
    const io = captureIo();
    await expect(runCli(['--help'], io)).resolves.toBe(0);
    for (const name of ['local', 'agent', 'replay', 'poll', 'manifest', 'cost', 'doctor']) expect(io.out.join('')).toContain(name);
  });

  it('rejects an unknown subcommand with exit 1 and names the choices', async () => {
    const io = captureIo();
    await expect(runCli(['frobnicate'], io)).resolves.toBe(1);
    expect(io.err.join('')).toMatch(/unknown command "frobnicate".*agent/);
  });

  it('fails with exit 1 and the usage on stderr, not stdout, when no command is given', async () => {
    const io = captureIo();
    await expect(runCli([], io)).resolves.toBe(1);
    expect(io.out).toEqual([]);
    expect(io.err.join('')).toMatch(/^Usage: kinsight <command>/);
  });
});
