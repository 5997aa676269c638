/**
 * The local web chat adapter: the whole bot in a browser tab, for trying rfedit without Discord or
 * Slack credentials.
 *
 * ```ts
 * const chat = createWebChat({ core, host: '127.0.0.1', port: 8787, dataDir: './data', secret });  // off loopback: password
 * const { url } = await chat.start();   // subscribes to core events; call before core.start()
 * await chat.stop();                     // closes sockets and the server; the core stays open
 * ```
 * See docs/web.md.
 */
export { createWebChat } from './web-chat.ts';
export type { WebChat, WebChatLogger, WebChatOptions } from './web-chat.ts';
export type { UploadLimits } from './upload-gate.ts';
export type { ClientLimits } from './client-quota.ts';
export type { JobCard, CardButton, CardImage } from './cards.ts';
