import type { Command } from './io';

// Placeholder until its issue lands: registered so that `kinsight --help` lists the whole surface.
export const pollCommand: Command = {
  summary: '(not built yet)',
  usage: 'kinsight poll: not built yet',
  run: async (_argv, io) => {
    io.stderr('kinsight poll: not built yet\n');
    return 1;
  },
};
