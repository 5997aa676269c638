/** What every Discord handler needs: the core, the client, the settings, the job renderer, open forms and the log. */
import type { Client } from 'discord.js';
import type { BotCore } from '../../commands/index.ts';
import type { Logger } from '../../log.ts';
import type { JobMessages } from './job-messages.ts';
import type { MenuImages } from './menu-images.ts';
import type { ResolvedDiscordBotOptions } from './options.ts';

export interface Adapter {
  readonly core: BotCore;
  readonly client: Client;
  readonly options: ResolvedDiscordBotOptions;
  readonly jobs: JobMessages;
  /** Photos of open "Edit image" forms. */
  readonly menuImages: MenuImages;
  readonly logger: Logger;
}
