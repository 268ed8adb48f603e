// Which target a command talks to, checked before it runs: --url (a server's API) or --store (the
// store opened in this process). Contradictory flags are refused rather than one silently winning.
import type { Command } from 'commander';
import { CliError } from './cli-error.js';

/** Commands that run the engine themselves: they always open a store, never a server's API. */
const ENGINE_COMMANDS = new Set(['serve', 'worker', 'migrate']);
/** Commands that read only files: neither a store nor a server. */
const FILE_COMMANDS = new Set(['validate', 'graph']);

/** Throws when the global options given on the command line contradict each other for `command`. */
export function checkTarget(program: Command, command: Command): void {
  const root = topLevelName(command);
  const fromCli = (name: string): boolean => program.getOptionValueSource(name) === 'cli';
  // An empty SWITCHYARD_URL (or --url=) means no server, as an unset one does.
  for (const name of ['url', 'token']) if (program.getOptionValue(name) === '') program.setOptionValue(name, undefined);
  const { url } = program.opts<{ url?: string }>();
  if (ENGINE_COMMANDS.has(root) || FILE_COMMANDS.has(root)) {
    if (fromCli('url') || fromCli('token')) {
      throw new CliError(`${root} ${ENGINE_COMMANDS.has(root) ? 'runs the engine on a store (--store)' : 'reads only files'}; --url and --token are for the commands that talk to a server`);
    }
    // SWITCHYARD_URL in the environment is for client commands; these run here whatever it says.
    program.setOptionValue('url', undefined);
    program.setOptionValue('token', undefined);
    return;
  }
  if (url === undefined) {
    if (fromCli('token')) throw new CliError('--token needs --url (or SWITCHYARD_URL): the server to send it to');
    return;
  }
  if (fromCli('store')) throw new CliError('give --store (a store opened here) or --url (a running server), not both');
  if (fromCli('tenant')) throw new CliError('--tenant applies to a store opened here; on a server the token decides the tenant');
}

function topLevelName(command: Command): string {
  let c = command;
  while (c.parent?.parent) c = c.parent;
  return c.name();
}
