import type { Command } from './io';

// Placeholder until its issue lands: registered so that `kinsight --help` lists the whole surface.
export const manifestCommand: Command = {
  summary: '(not built yet)',
  usage: 'kinsight manifest: not built yet',
  run: async (_argv, io) => {
    io.stderr('kinsight manifest: not built yet\n');
    return 1;
  },
};
