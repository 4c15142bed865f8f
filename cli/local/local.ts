import { cpus, totalmem } from 'node:os';
import type { Command } from '../io';
import { LOCAL_USAGE, loadLocalFlags } from './local-flags';
import { startLocalPipeline } from './local-pipeline';
import { createLocalPipelineDeps } from './local-deps';
import { startLocalDoctorHooks, takeStopAgentFlag, toLocalAgentObjects } from '../doctor/local-target';

/**
 * `kinsight local` (what `npm start` runs): the whole pipeline on this machine with a live
 * dashboard, until Ctrl-C or the `--duration` / `--cycles` bound.
 */
export const localCommand: Command = {
  summary: 'Run the whole pipeline on this machine with a live dashboard (npm start)',
  usage: LOCAL_USAGE,
  run: async (argv, io) => {
    const { rest, stop } = takeStopAgentFlag(argv);
    const flags = loadLocalFlags(rest);
    const pipeline = await startLocalPipeline(
      {
        ...flags,
        localCapacity: { cores: cpus().length, memTotalBytes: totalmem() },
        onProgress: (line) => io.stdout(`${line}\n`),
        stopSignal: io.stopSignal,
        extraKubeObjects: toLocalAgentObjects(Date.now()),
      },
      createLocalPipelineDeps(),
    );
    const undoDoctorHooks = startLocalDoctorHooks(pipeline, stop, (line) => io.stdout(`${line}\n`));
    io.stdout(
      [
        `kinsight local: cluster ${pipeline.cluster}, ${flags.nodes} simulated node(s)${flags.localNode ? ' + this machine' : ''}, ${flags.podsPerNode} pods per node, every ${flags.intervalMs / 1000} s, profile ${flags.profile}`,
        `  EMF files:  ${pipeline.outDir}`,
        ...(pipeline.dashboardUrl ? [`  dashboard:  ${pipeline.dashboardUrl}`] : []),
        `  doctor:     kinsight doctor --local ${flags.outDir}`,
        '  Ctrl-C stops everything.',
        '',
      ].join('\n'),
    );
    const reports = await pipeline.done.finally(undoDoctorHooks);
    const recordsIn = reports.reduce((s, r) => s + r.recordsIn, 0);
    const eventsOut = reports.reduce((s, r) => s + r.eventsOut, 0);
    io.stdout(`kinsight local: stopped after ${reports.length} cycle(s): ${recordsIn} records in, ${eventsOut} events out; EMF files are in ${pipeline.outDir}\n`);
    return 0;
  },
};
