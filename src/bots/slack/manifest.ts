/**
 * slack-manifest.yaml, read: the bot scopes and events the app asks for. `rfedit doctor` compares a token's
 * granted scopes with these, and the tests run the fake Slack with exactly these scopes.
 */
import { readFileSync } from 'node:fs';
import YAML from 'yaml';

/** The manifest in the repository root. */
export const SLACK_MANIFEST_URL = new URL('../../../slack-manifest.yaml', import.meta.url);

export interface SlackManifestSummary {
  readonly botScopes: string[];
  readonly botEvents: string[];
}

export function readSlackManifest(url: URL = SLACK_MANIFEST_URL): SlackManifestSummary {
  const manifest = YAML.parse(readFileSync(url, 'utf8')) as {
    oauth_config?: { scopes?: { bot?: string[] } };
    settings?: { event_subscriptions?: { bot_events?: string[] } };
  };
  return {
    botScopes: manifest.oauth_config?.scopes?.bot ?? [],
    botEvents: manifest.settings?.event_subscriptions?.bot_events ?? [],
  };
}
