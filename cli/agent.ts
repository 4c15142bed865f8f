import type { Command } from './io';

// Placeholder until its issue lands: registered so that `kinsight --help` lists the whole surface.
export const agentCommand: Command = {
  summary: '(not built yet)',
  usage: 'kinsight agent: not built yet',
  run: async (_argv, io) => {
    io.stderr('kinsight agent: not built yet\n');
    return 1;
  },
};
