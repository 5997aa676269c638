/**
 * Attachment URLs that point away from the platform: another host, a redirect, file://, IP literals, URLs
 * with credentials. "Elsewhere" is a real server on 127.0.0.2; the assertion that matters is that it
 * receives no request at all, while the user is told why the photo was not taken.
 */
import type { APIAttachment } from 'discord-api-types/v10';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Harness } from '../bots/discord/harness.ts';
import { startHarness, waitForResult, type Harness as SlackHarness } from '../bots/slack/harness.ts';
import type { SlackFile } from '../fakes/slack.ts';
import { startElsewhere, startRedirector, type RecordingServer } from './fixtures/elsewhere.ts';
import { printFigures, refuse, settle, tally } from './fixtures/figures.ts';
import { noisyPng } from './fixtures/hostile-images.ts';
import { bodyText, discordStillEdits } from './shared.ts';

let elsewhere: RecordingServer;
let redirector: RecordingServer;

beforeAll(async () => {
  elsewhere = await startElsewhere(await noisyPng(32));
  // On the platform's own host (127.0.0.1 is the fake's), so only the redirect can lead away.
  redirector = await startRedirector(elsewhere.origin);
});
afterAll(async () => {
  printFigures('attachment URLs pointing elsewhere');
  await elsewhere.close();
  await redirector.close();
});

/** Each URL and the refusal the user must read. */
function foreignUrls(): Array<{ what: string; url: string; says: string }> {
  const port = new URL(elsewhere.origin).port;
  const offHost = 'I only download attachments from Discord itself';
  return [
    { what: 'another host', url: `${elsewhere.origin}/cat.png`, says: offHost },
    { what: 'a redirect to another host', url: `${redirector.origin}/cat.png`, says: 'I could not download that file' },
    { what: 'file://', url: 'file:///etc/passwd.png', says: offHost },
    { what: 'an IP literal in decimal', url: `http://2130706434:${port}/cat.png`, says: offHost },
    { what: 'an IPv6 literal', url: `http://[::ffff:127.0.0.2]:${port}/cat.png`, says: offHost },
    {
      what: 'credentials before the real host',
      url: `https://cdn.discordapp.com@127.0.0.2:${port}/cat.png`,
      says: offHost,
    },
    { what: 'credentials for another host', url: `http://user:secret@127.0.0.2:${port}/cat.png`, says: offHost },
  ];
}

describe('Discord', () => {
  const row = tally('attachment URLs pointing elsewhere', 'Discord /edit');
  let world: Harness;
  beforeAll(async () => {
    world = await Harness.start();
  });
  afterAll(() => world.close());

  it('downloads nothing from anywhere but the platform, tells the user why, and still edits afterwards', async () => {
    const genuine = await world.photo('cat.png');
    for (const target of foreignUrls()) {
      const forged: APIAttachment = {
        ...genuine,
        id: `${genuine.id}${row.sent}`,
        url: target.url,
        proxy_url: target.url,
      };
      const sent = world.discord.slashCommand('edit', { image: forged, prompt: `from ${target.what}` });
      row.sent++;
      if (target.says === 'I could not download that file') {
        // A redirect off Discord shows only when downloading, after the public defer: the status message says so.
        await world.statusMatching(sent.id, /I could not download that file/);
      } else {
        expect(await world.ephemeralText(sent.id), target.what).toContain(target.says); // refused from the URL, before deferring
      }
      refuse(row, target.says === 'I could not download that file' ? 'download_failed' : 'image_source');
    }
    expect(elsewhere.received).toEqual([]);
    expect(redirector.received).toEqual(['GET /cat.png']);
    await discordStillEdits(world, 1);
    expect(settle(row)).toBe(0);
  });
});

describe('Slack', () => {
  const row = tally('attachment URLs pointing elsewhere', 'Slack mention');
  let h: SlackHarness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('sends no request (and so no bot token) to a file URL off Slack’s hosts, and tells the user why', async () => {
    const genuine = h.slack.addFile(await noisyPng(32), { name: 'cat.png', mimetype: 'image/png' });
    const redirectsBefore = redirector.received.length;
    for (const target of foreignUrls()) {
      const forged: SlackFile = { ...genuine, url_private: target.url, url_private_download: target.url };
      await h.events.appMention({ text: `from ${target.what}`, files: [forged] });
      row.sent++;
      await h.slack.requests.waitFor((r) => bodyText(r).includes('not stored on Slack'), { nth: row.sent });
      refuse(row, 'slack_file_host');
    }
    expect(elsewhere.received).toEqual([]);
    // Slack's check compares whole origins (port included), so even the same-host redirector is never asked.
    expect(redirector.received).toHaveLength(redirectsBefore);
    await h.events.appMention({ text: 'still working', files: [genuine] });
    await waitForResult(h.slack);
    expect(settle(row)).toBe(0);
  });
});
