/** Engine settings for CLI commands: the configuration (src/config) with command-line flags on top. */
import { loadConfig } from '../config/load.ts';
import type { EngineSettings } from '../engine/index.ts';

export function engineSettings(flags: { model?: string; dataDir?: string }): EngineSettings {
  const { config } = loadConfig();
  return {
    ...config.engine,
    dataDir: flags.dataDir ?? config.dataDir,
    model: flags.model ?? config.engine.model,
  };
}
