// The `dlmodel` command line: one table of subcommands. Mistakes in the command line print the usage and
// exit 2; nothing ever ends in a stack trace.
import { EXIT } from '../protocol/trainer';
import { UsageError } from './args';
import { SUMMARY_USAGE, summaryCommand } from './summary';
import { VALIDATE_USAGE, validateCommand } from './validate';
import { TRAIN_USAGE, trainCommand } from './train';
import { PREDICT_USAGE, predictCommand } from './predict';
import { RUNS_USAGE, runsCommand } from './runs';
import { EXPORT_USAGE, exportCommand } from './export';

export type CommandHandler = (args: string[]) => Promise<number>;

interface Command {
  usage: string;
  help: string;
  run: CommandHandler;
}

export const COMMANDS: Record<string, Command> = {
  // ---- H2 (engine) ----
  train: {
    usage: TRAIN_USAGE,
    help: 'train the experiment; writes a run folder under .dlmodel/runs',
    run: trainCommand,
  },
  predict: {
    usage: PREDICT_USAGE,
    help: 'predict with the latest completed run (or --run DIR)',
    run: predictCommand,
  },
  runs: {
    usage: RUNS_USAGE,
    help: 'list the runs of the experiment',
    run: runsCommand,
  },
  export: {
    usage: EXPORT_USAGE,
    help: 'write train.py, the same experiment as a standalone PyTorch program (python train.py, torchrun)',
    run: exportCommand,
  },
  // ---- H1 (spec) ----
  validate: { usage: VALIDATE_USAGE, help: 'check the file and its data; problems as FILE:LINE:COL: message', run: validateCommand },
  summary: { usage: SUMMARY_USAGE, help: 'each layer, its output shape and learnable parameters', run: summaryCommand },
};

export function usage(): string {
  const lines = ['usage: dlmodel COMMAND FILE [options]', '', 'commands:'];
  const width = Math.max(...Object.values(COMMANDS).map((c) => c.usage.length));
  for (const c of Object.values(COMMANDS)) lines.push(`  ${c.usage.padEnd(width)}   ${c.help}`);
  lines.push('', 'exit status: 0 success, 1 the run failed, 2 the spec, the data or the command line is invalid');
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? process.stderr : process.stdout).write(usage() + '\n');
    return name === undefined ? EXIT.invalid : EXIT.ok;
  }
  const command = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    process.stderr.write(`dlmodel: unknown command "${name}"\n${usage()}\n`);
    return EXIT.invalid;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`usage: ${command.usage}\n`);
    return EXIT.ok;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`dlmodel ${name}: ${e.message}\nusage: ${command.usage}\n`);
      return EXIT.invalid;
    }
    const err = e as NodeJS.ErrnoException;
    process.stderr.write(`dlmodel ${name}: ${err?.message ?? String(e)}\n`);
    return EXIT.failed;
  }
}

if (require.main === module) {
  // `dlmodel runs FILE | head`: the reader went away; stop quietly, as other command-line tools do.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.ok);
    throw e;
  });
  process.on('unhandledRejection', (e) => {
    process.stderr.write(`dlmodel: ${(e as Error)?.message ?? String(e)}\n`);
    process.exit(EXIT.failed);
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`dlmodel: ${(e as Error)?.message ?? String(e)}\n`);
      process.exitCode = EXIT.failed;
    },
  );
}
