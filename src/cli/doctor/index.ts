/**
 * `rfedit doctor`: what a person runs after pasting tokens. Each platform contributes one section (a provider);
 * adding a platform is one line in DOCTOR_SECTIONS. Exit code 0 only when every required check passed and at
 * least one platform was checked.
 */
import { loadConfig, type LoadedConfig } from '../../config/load.ts';
import { SECRET_ENV } from '../../config/schema.ts';
import type { CliIo } from '../io.ts';
import { doctorExitCode, renderSection, type DoctorSection } from './check.ts';
import { discordDoctor, discordDoctorSettings } from './discord.ts';
import { slackSection } from './slack.ts';

/** Builds one platform's section from the loaded configuration and secrets. */
export type DoctorSectionProvider = (loaded: LoadedConfig) => Promise<DoctorSection>;

export const DOCTOR_SECTIONS: readonly DoctorSectionProvider[] = [
  (loaded) => discordDoctor(discordDoctorSettings(loaded)),
  (loaded) =>
    slackSection(secretsAsEnv(loaded), {
      mode: loaded.config.slack.mode,
      allowedChannels: loaded.config.slack.allowedChannels,
    }),
];

/** The loaded secrets under their environment names (the Slack section reads them as the bot does). */
function secretsAsEnv(loaded: LoadedConfig): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, variable] of Object.entries(SECRET_ENV) as Array<[keyof typeof SECRET_ENV, string]>) {
    const value = loaded.secrets[key];
    if (value) env[variable] = value;
  }
  return env;
}

export async function runDoctor(
  io: CliIo,
  loaded: LoadedConfig = loadConfig(),
  providers: readonly DoctorSectionProvider[] = DOCTOR_SECTIONS,
): Promise<number> {
  const sections: DoctorSection[] = [];
  for (const provide of providers) {
    const section = await provide(loaded);
    sections.push(section);
    for (const line of renderSection(section)) io.out(line);
  }
  const checked = sections.filter((s) => !s.skipped);
  if (checked.length === 0) {
    io.out(
      'Nothing to check yet: set the tokens above (see the README, "First run on a real server/workspace"), then run npx rfedit doctor again.',
    );
    return 1;
  }
  const code = doctorExitCode(checked);
  io.out(
    code === 0
      ? 'Everything the bot needs is in place.'
      : 'Fix the ✗ lines above (each says how), then run npx rfedit doctor again.',
  );
  return code;
}
