import type { Command } from './io';

// Placeholder until its issue lands: registered so that `kinsight --help` lists the whole surface.
export const replayCommand: Command = {
  summary: '(not built yet)',
  usage: 'kinsight replay: not built yet',
  run: async (_argv, io) => {
    io.stderr('kinsight replay: not built yet\n');
    return 1;
  },
};
