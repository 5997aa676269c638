/**
 * Who may use the bot where: allowed workspaces, channels and users from the config. Empty lists
 * allow everything. A refusal is a sentence in Slack mrkdwn (it links channels) that the user sees ephemerally.
 */
export interface AccessLists {
  readonly allowedWorkspaces: readonly string[];
  readonly allowedChannels: readonly string[];
  readonly allowedUsers: readonly string[];
}

export interface Requester {
  readonly teamId: string | undefined;
  readonly channelId: string;
  readonly userId: string;
}

/** null when allowed; otherwise why not, in words for the user. */
export function accessRefusal(lists: AccessLists, who: Requester): string | null {
  const allows = (list: readonly string[], id: string | undefined) =>
    list.length === 0 || (id !== undefined && list.includes(id));
  if (!allows(lists.allowedWorkspaces, who.teamId)) return 'This bot is not enabled for this workspace.';
  if (!allows(lists.allowedUsers, who.userId))
    return 'You are not on the list of people who may use this bot here. Ask a workspace admin to add you.';
  if (!allows(lists.allowedChannels, who.channelId)) {
    const channels = lists.allowedChannels
      .slice(0, 5)
      .map((id) => `<#${id}>`)
      .join(', ');
    return `I only edit photos in certain channels. Try ${channels}${lists.allowedChannels.length > 5 ? ' or another allowed channel' : ''}.`;
  }
  return null;
}
