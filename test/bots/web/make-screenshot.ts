/**
 * Makes docs/web-chat.png, the README's picture of the web chat: the demo model at its default 28
 * steps on the test photo, an edit shown beside its source, and a variation. Not a test; run it by hand:
 *   npx tsx test/bots/web/make-screenshot.ts [out.png]
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { createDemoEngine } from '../../../src/engine/index.ts';
import { openBrowser } from './fixtures/browser.ts';
import { startChatServer, temporaryDataDir } from './fixtures/chat-server.ts';
import { card, openChat, sendCommand, waitForDoneCards } from './fixtures/page-driver.ts';

const out = process.argv[2] ?? join(process.cwd(), 'docs', 'web-chat.png');
const dir = temporaryDataDir();
const server = await startChatServer({ engine: createDemoEngine(dir.path), dataDir: dir.path });
const browser = await openBrowser();
try {
  const { page } = browser;
  await page.setViewportSize({ width: 1100, height: 1000 });
  await openChat(page, server.url, 'ada');
  await sendCommand(page, '/edit warm golden light --strength 0.25', join(process.cwd(), 'test', 'fixtures', 'stm32f3-discovery.jpg'));
  await waitForDoneCards(page, 1);
  await card(page, 0).getByRole('button', { name: 'Variation' }).click();
  await waitForDoneCards(page, 2);
  await card(page, 0).getByRole('button', { name: /Compare/ }).click();
  await page.locator('#channel').evaluate((channel) => (channel.scrollTop = 0));
  // A palette PNG: a third of the size, and the README does not need every shade of the noise.
  await sharp(await page.screenshot()).png({ palette: true, quality: 90, effort: 10 }).toFile(out);
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await server.stop();
  dir.remove();
}
