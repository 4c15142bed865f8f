import { AGENT_USAGE } from '../node-agent/agent-config';
import { startAgent } from '../node-agent/start-agent';
import type { Command } from './io';

/** `kinsight agent`: the node agent, in the foreground. */
export const agentCommand: Command = {
  summary: 'Run the node agent: read /proc and cgroups, send one record per interval (or print it with --dry-run)',
  usage: AGENT_USAGE,
  run: (argv, io) => startAgent(argv, io),
};
