/** `npx rfedit <command>`: parses the command line and hands over; no logic of its own. */
import { RfeditError } from '../errors.ts';
import { runDemoGenerate } from './demo-command.ts';
import { EDIT_USAGE, runEdit } from './edit-command.ts';
import { runGolden } from './golden-command.ts';
import { type CliIo, processIo } from './io.ts';
import { runModelCheck } from './model-check.ts';
import { runCleanup, runConfig, runDiscordRegister, runWorker } from './ops-commands.ts';
import { runStart } from './start-command.ts';

const USAGE = `Usage: rfedit <command>

  start                       run the bot: the web chat, and Discord/Slack when their tokens are set
  worker                      run one GPU worker for a bot that has REDIS_URL set
  config                      print the effective configuration (secrets redacted)
  doctor                      check the Discord/Slack tokens, commands and permissions, and say how to fix them
  cleanup                     delete jobs and images older than storage.retentionDays
  discord register [--guild id]  register the Discord commands (one server now, or global)
  edit <image> --prompt …     edit one photo (rfedit edit --help)
  model check <dir>           check a FLUX.1 ONNX export and say what to fix
  golden <fixture-dir>        check an export against diffusers golden outputs (rfedit golden --help)
  demo generate [dir]         write the built-in demo model`;

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'edit':
        return await runEdit(rest, io);
      case 'golden':
        return await runGolden(rest, io);
      case 'model':
        if (rest[0] === 'check') return runModelCheck(rest.slice(1), io);
        break;
      case 'demo':
        if (rest[0] === 'generate') return runDemoGenerate(rest.slice(1), io);
        break;
      case 'start':
        return await runStart(io);
      case 'worker':
        return await runWorker(rest, io);
      case 'config':
        return runConfig(io);
      case 'doctor': {
        const { runDoctor } = await import('./doctor/index.ts');
        return await runDoctor(io);
      }
      case 'cleanup':
        return await runCleanup(io);
      case 'discord':
        if (rest[0] === 'register') return await runDiscordRegister(rest.slice(1), io);
        break;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return command === undefined ? 2 : 0;
    }
    io.err(`Unknown command: ${argv.join(' ')}\n\n${USAGE}`);
    return 2;
  } catch (error) {
    if (error instanceof RfeditError) {
      io.err(error.userMessage);
      return 1;
    }
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      io.err(`${error.message}\n\n${EDIT_USAGE}`);
      return 2;
    }
    throw error;
  }
}
