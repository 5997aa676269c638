/**
 * `rfedit doctor`, Slack section: with the tokens a person just pasted, asks Slack what it thinks of them.
 * auth.test (token valid, which bot and workspace), the scopes Slack granted (the X-OAuth-Scopes header) against
 * slack-manifest.yaml's, the transport (Socket Mode app token, or HTTP signing secret), and the bot's membership
 * in the configured channels. Every failure comes with what to do about it.
 */
import { webApi } from '@slack/bolt';
import { readSlackManifest } from '../../bots/slack/manifest.ts';
import { slackErrorCode } from '../../bots/slack/messenger.ts';
import { loadConfig } from '../../config/load.ts';
import { SECRET_ENV } from '../../config/schema.ts';
import type { DoctorCheck, DoctorSection } from './check.ts';

export interface SlackDoctorOptions {
  /** Web API base URL (tests point it at the fake). @default 'https://slack.com/api/' */
  readonly apiUrl?: string;
  /** `slack.mode` from the config when absent. */
  readonly mode?: 'socket' | 'http';
  /** `slack.allowedChannels` from the config when absent. */
  readonly allowedChannels?: readonly string[];
  /** The scopes the app should have. @default slack-manifest.yaml's bot scopes */
  readonly manifestScopes?: readonly string[];
}

const TITLE = 'Slack';
const REINSTALL =
  'then reinstall the app to the workspace (OAuth & Permissions → Reinstall) and copy the new Bot User OAuth Token';

export async function slackSection(env: NodeJS.ProcessEnv, options: SlackDoctorOptions = {}): Promise<DoctorSection> {
  const botToken = env[SECRET_ENV.slackBotToken];
  if (!botToken) {
    return {
      title: TITLE,
      checks: [],
      skipped: `set ${SECRET_ENV.slackBotToken} (xoxb-…, from OAuth & Permissions → Bot User OAuth Token) and ${SECRET_ENV.slackAppToken} (Socket Mode) or ${SECRET_ENV.slackSigningSecret} (HTTP mode) to check Slack`,
    };
  }
  const settings =
    options.mode && options.allowedChannels
      ? { mode: options.mode, allowedChannels: options.allowedChannels }
      : slackSettings(env, options);
  const client = (token: string) =>
    new webApi.WebClient(token, {
      retryConfig: { retries: 0 },
      ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
    });
  const web = client(botToken);

  const checks: DoctorCheck[] = [];
  if (!botToken.startsWith('xoxb-')) {
    checks.push({
      label: `${SECRET_ENV.slackBotToken} is a bot token (xoxb-…)`,
      ok: false,
      fix: `Use the Bot User OAuth Token (xoxb-…) from OAuth & Permissions, not a user token (xoxp-) or an app-level token (xapp-).`,
    });
    return { title: TITLE, checks };
  }
  const auth = await web.auth.test().catch((error: unknown) => error);
  if (auth instanceof Error) {
    checks.push({ label: 'Slack accepts the bot token (auth.test)', ok: false, fix: authFix(auth) });
    return { title: TITLE, checks };
  }
  const who = auth as { user?: string; team?: string; response_metadata?: { scopes?: string[] } };
  checks.push({
    label: `Slack accepts the bot token (bot @${who.user ?? '?'} in ${who.team ?? 'the workspace'})`,
    ok: true,
  });
  checks.push(
    scopesCheck(who.response_metadata?.scopes ?? [], options.manifestScopes ?? readSlackManifest().botScopes),
  );
  checks.push(await transportCheck(settings.mode, env, client));
  checks.push(...(await membershipChecks(web, settings.allowedChannels)));
  return { title: TITLE, checks };
}

function slackSettings(
  env: NodeJS.ProcessEnv,
  options: SlackDoctorOptions,
): { mode: 'socket' | 'http'; allowedChannels: readonly string[] } {
  const slack = loadConfig(env).config.slack;
  return { mode: options.mode ?? slack.mode, allowedChannels: options.allowedChannels ?? slack.allowedChannels };
}

function authFix(error: Error): string {
  const code = slackErrorCode(error);
  if (code === 'invalid_auth' || code === 'not_authed')
    return `Slack does not know this token. Copy the Bot User OAuth Token (xoxb-…) again from OAuth & Permissions into ${SECRET_ENV.slackBotToken}.`;
  if (code === 'token_revoked' || code === 'account_inactive' || code === 'token_expired')
    return `The token was revoked or the app was uninstalled (${code}). Reinstall the app to the workspace and copy the new Bot User OAuth Token.`;
  return `Could not ask Slack (${code ?? error.message}). Check that this machine can reach https://slack.com, then run doctor again.`;
}

/** Slack names the granted scopes in every response's X-OAuth-Scopes header (web-api: response_metadata.scopes). */
function scopesCheck(granted: readonly string[], wanted: readonly string[]): DoctorCheck {
  const missing = wanted.filter((scope) => !granted.includes(scope));
  if (missing.length === 0)
    return { label: `The token has every scope slack-manifest.yaml asks for (${wanted.length})`, ok: true };
  return {
    label: `The token lacks ${missing.length} scope(s) slack-manifest.yaml asks for: ${missing.join(', ')}`,
    ok: false,
    fix: `Add ${missing.join(', ')} under OAuth & Permissions → Bot Token Scopes (or paste slack-manifest.yaml again under App Manifest), ${REINSTALL}.`,
  };
}

async function transportCheck(
  mode: 'socket' | 'http',
  env: NodeJS.ProcessEnv,
  client: (token: string) => webApi.WebClient,
): Promise<DoctorCheck> {
  if (mode === 'http') {
    const secret = env[SECRET_ENV.slackSigningSecret];
    if (secret)
      return {
        label: `HTTP mode: ${SECRET_ENV.slackSigningSecret} is set (Slack's requests are verified with it)`,
        ok: true,
      };
    return {
      label: `HTTP mode: ${SECRET_ENV.slackSigningSecret} is set`,
      ok: false,
      fix: `Copy Basic Information → App Credentials → Signing Secret into ${SECRET_ENV.slackSigningSecret}, or use Socket Mode (slack.mode: socket).`,
    };
  }
  const appToken = env[SECRET_ENV.slackAppToken];
  const fix = `Under Basic Information → App-Level Tokens, generate a token with the connections:write scope and put it (xapp-…) in ${SECRET_ENV.slackAppToken}; Socket Mode must be on (it is in slack-manifest.yaml).`;
  if (!appToken) return { label: `Socket Mode: ${SECRET_ENV.slackAppToken} is set`, ok: false, fix };
  if (!appToken.startsWith('xapp-'))
    return { label: `Socket Mode: ${SECRET_ENV.slackAppToken} is an app-level token (xapp-…)`, ok: false, fix };
  try {
    await client(appToken).apps.connections.open();
    return { label: 'Socket Mode: the app-level token opens a connection (apps.connections.open)', ok: true };
  } catch (error) {
    return {
      label: `Socket Mode: the app-level token opens a connection (Slack said ${slackErrorCode(error) ?? (error as Error).message})`,
      ok: false,
      fix,
    };
  }
}

/**
 * Mentions, photo messages and reactions reach the bot only in conversations it is a member of. Reading one
 * message of the channel's history (the history scopes the bot has anyway) tells: `not_in_channel` for a public
 * channel it has not joined, `channel_not_found` for a private one (or a wrong id).
 */
async function membershipChecks(web: webApi.WebClient, channels: readonly string[]): Promise<DoctorCheck[]> {
  if (channels.length === 0) {
    return [
      {
        label:
          'No channels configured (slack.allowedChannels is empty): the bot works in every conversation it is invited to',
        ok: true,
        required: false,
      },
    ];
  }
  const checks: DoctorCheck[] = [];
  for (const channel of channels) {
    try {
      await web.conversations.history({ channel, limit: 1 });
      checks.push({ label: `The bot is a member of <#${channel}>`, ok: true });
    } catch (error) {
      const code = slackErrorCode(error);
      const fix =
        code === 'not_in_channel'
          ? `In that channel, type /invite @rfedit (mentions, photos and reactions only reach the bot in channels it is in).`
          : code === 'channel_not_found'
            ? `Either the id in slack.allowedChannels is wrong, or it is a private channel the bot was not invited to: type /invite @rfedit there.`
            : code === 'missing_scope'
              ? `The token cannot read that kind of conversation; add the scopes listed above and reinstall.`
              : `Slack said ${code ?? (error as Error).message}.`;
      checks.push({ label: `The bot is a member of <#${channel}> (${code ?? 'no answer'})`, ok: false, fix });
    }
  }
  return checks;
}
