// The rfedit web chat page: a thin renderer. It sends what the user typed or clicked to the server
// and draws the cards the server pushes; every decision (parsing options, validation, permissions,
// queueing, wording) is made by the bot.

import { setUpSketchPad, sketchCommand } from './sketch-pad.js';

const USER_KEY = 'rfedit.user';
const $ = (selector, root = document) => root.querySelector(selector);

const channel = $('#channel');
const composer = $('#composer');
const input = $('#input');
const fileInput = $('#file');
const nameInput = $('#user-name');
const connection = $('#connection');

let user = localStorage.getItem(USER_KEY) || `guest-${Math.random().toString(36).slice(2, 6)}`;
localStorage.setItem(USER_KEY, user);
nameInput.value = user;

let attachment = null; // the File to send with the next message
let socket = null;
let reconnectDelay = 250;
const cards = new Map(); // jobId → the newest card drawn

// ---------- talking to the server ----------

async function post(path, body, contentType = 'application/json') {
  let response;
  try {
    // Who we are travels in the server's HttpOnly cookie; the name is only what our messages show.
    response = await fetch(path, {
      method: 'POST',
      headers: { 'content-type': contentType, 'x-rfedit-name': user },
      body,
    });
  } catch {
    return {
      reply: {
        text: 'I could not reach the bot (it may be restarting). Please try again in a moment.',
        ephemeral: true,
        code: 'offline',
      },
    };
  }
  const result = await response.json().catch(() => ({}));
  if (!response.ok)
    return {
      reply: {
        text: result.error?.text ?? `The server answered ${response.status}.`,
        ephemeral: true,
        code: result.error?.code ?? 'http',
      },
    };
  return result;
}

/** The server issues our identity (a cookie); with a password set, it sends us to sign in first. */
async function startSession() {
  const response = await fetch('/api/session', { method: 'POST' }).catch(() => null);
  if (response?.status === 401) {
    location.assign('/login');
    return false;
  }
  return true;
}

function connect() {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/live`;
  const ws = new WebSocket(url);
  socket = ws;
  setConnection('connecting', 'Connecting…');
  ws.onopen = () => {
    reconnectDelay = 250;
    setConnection('online', 'Connected');
    loadScrollback(); // also shows jobs that finished while we were away
  };
  ws.onmessage = (message) => {
    const data = JSON.parse(message.data);
    if (data.type === 'card') drawCard(data.card);
    if (data.type === 'remove') data.messageIds.forEach(removeCard);
  };
  ws.onclose = () => {
    if (socket !== ws) return; // replaced on purpose (name change)
    setConnection('offline', 'Reconnecting…');
    setTimeout(() => startSession().then((ok) => ok && connect()), reconnectDelay);
    reconnectDelay = Math.min(reconnectDelay * 2, 4000);
  };
}

async function loadScrollback() {
  const response = await fetch('/api/scrollback', { headers: { 'x-rfedit-name': user } }).catch(() => null);
  if (!response?.ok) return;
  const { messages, cards: snapshot } = await response.json();
  channel.querySelectorAll('.message, .thread, .notice').forEach((node) => node.remove());
  cards.clear();
  const byJob = new Map(snapshot.map((card) => [card.jobId, card]));
  for (const message of messages) drawMessage(message, byJob.get(message.jobId), null, { reveal: false });
  for (const card of snapshot) drawCard(card, { reveal: false });
  updateEmpty();
  scrollToEnd();
}

function setConnection(state, text) {
  connection.dataset.state = state;
  connection.textContent = text;
}

// ---------- sending ----------

composer.addEventListener('submit', async (event) => {
  event.preventDefault();
  const text = input.value;
  if (!text.trim() && !attachment) return;
  const send = $('#send');
  send.disabled = true;
  const header = JSON.stringify({ text, filename: attachment?.name, contentType: attachment?.type || undefined });
  const parts = attachment ? [header, '\n', attachment] : [header];
  const sentFile = attachment;
  const result = await post('/api/send', new Blob(parts), 'application/octet-stream');
  send.disabled = false;
  if (result.message) {
    drawMessage(result.message, result.card, sentFile);
    if (result.card) drawCard(result.card);
  } else {
    drawNotice(result.reply, null, text, sentFile);
  }
  if (!result.reply.code) {
    input.value = '';
    setAttachment(null);
  }
  input.focus();
});

input.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    composer.requestSubmit();
  }
});

fileInput.addEventListener('change', () => {
  if (fileInput.files[0]) setAttachment(fileInput.files[0]);
  fileInput.value = '';
  input.focus();
});

$('#attachment-remove').addEventListener('click', () => {
  setAttachment(null);
  input.focus();
});

function setAttachment(file) {
  attachment = file;
  const box = $('#attachment');
  const thumb = $('#attachment-thumb');
  if (thumb.src) URL.revokeObjectURL(thumb.src);
  box.hidden = !file;
  if (!file) return thumb.removeAttribute('src');
  thumb.src = URL.createObjectURL(file);
  thumb.alt = `Attached: ${file.name}`;
  $('#attachment-name').textContent = `${file.name} (${Math.ceil(file.size / 1024)} KB)`;
}

// A drawing goes out as the photo, with the stroke-to-image preset put on the message; the caret waits where the prompt goes.
setUpSketchPad({
  dialog: $('#sketch-pad'),
  openButton: $('#sketch-open'),
  onUse(file) {
    setAttachment(file);
    const { text, caret } = sketchCommand(input.value);
    input.value = text;
    input.focus();
    input.setSelectionRange(caret, caret);
  },
});

// Paste a photo straight into the message box (or anywhere on the page).
document.addEventListener('paste', (event) => {
  const file = event.clipboardData?.files?.[0];
  if (!file) return;
  event.preventDefault();
  setAttachment(file);
});

// Drag and drop anywhere on the page.
const overlay = $('#drop-overlay');
let dragDepth = 0;
window.addEventListener('dragenter', (event) => {
  if (!event.dataTransfer?.types.includes('Files')) return;
  dragDepth++;
  overlay.hidden = false;
});
window.addEventListener('dragleave', () => {
  dragDepth = Math.max(0, dragDepth - 1);
  if (dragDepth === 0) overlay.hidden = true;
});
window.addEventListener('dragover', (event) => event.preventDefault());
window.addEventListener('drop', (event) => {
  event.preventDefault();
  dragDepth = 0;
  overlay.hidden = true;
  const file = event.dataTransfer?.files?.[0];
  if (file) setAttachment(file);
  input.focus();
});

$('#identity').addEventListener('submit', (event) => {
  event.preventDefault();
  const name = nameInput.value.trim();
  if (!name || name === user) return;
  user = name;
  localStorage.setItem(USER_KEY, user);
  const old = socket;
  socket = null;
  old?.close();
  connect();
});

// ---------- drawing ----------

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'dataset') {
      for (const [name, data] of Object.entries(value))
        if (data !== undefined && data !== null) node.dataset[name] = data;
    } else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

function updateEmpty() {
  $('#empty').hidden = channel.querySelector('.message, .thread, .notice') !== null;
}

function scrollToEnd() {
  channel.scrollTop = channel.scrollHeight;
}

/** Brings something new into view where it appeared, which may be inside an earlier thread, not at the bottom. */
function reveal(node) {
  node.scrollIntoView({ block: 'nearest' });
}

// ---------- icons ----------
// Inline SVG, so no icon depends on an emoji font (a plain Debian desktop has none and draws boxes).
// Drawn on a 24×24 grid with the current text colour.
const ICONS = {
  '🎲': {
    paths: ['M5 3h14a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z'],
    dots: [
      [8, 8],
      [12, 12],
      [16, 16],
    ],
  },
  '🔉': { paths: ['M11 5 6 9H2v6h4l5 4z', 'M15.5 8.5a5 5 0 0 1 0 7'] },
  '🔊': { paths: ['M11 5 6 9H2v6h4l5 4z', 'M15.5 8.5a5 5 0 0 1 0 7', 'M19 5a10 10 0 0 1 0 14'] },
  '🎛': {
    paths: ['M4 21v-7', 'M4 10V3', 'M12 21v-9', 'M12 8V3', 'M20 21v-5', 'M20 12V3', 'M1 14h6', 'M9 8h6', 'M17 16h6'],
  },
  ℹ: { paths: ['M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20z', 'M12 16v-5', 'M12 8h.01'] },
  '↔': { paths: ['M3 12h18', 'M8 7l-5 5 5 5', 'M16 7l5 5-5 5'] },
  '✖': { paths: ['M18 6 6 18', 'M6 6l12 12'] },
  '❌': { paths: ['M18 6 6 18', 'M6 6l12 12'] },
  '✕': { paths: ['M18 6 6 18', 'M6 6l12 12'] },
  '🗑': { paths: ['M3 6h18', 'M8 6V4h8v2', 'M19 6l-1 14H6L5 6', 'M10 11v6', 'M14 11v6'] },
  '🔁': { paths: ['M17 2l4 4-4 4', 'M3 11V9a3 3 0 0 1 3-3h15', 'M7 22l-4-4 4-4', 'M21 13v2a3 3 0 0 1-3 3H3'] },
  '🔍': { paths: ['M11 3a8 8 0 1 0 0 16 8 8 0 0 0 0-16z', 'M21 21l-4.3-4.3'] },
  '🎚': { paths: ['M6 3v18', 'M18 3v18', 'M3 8h6', 'M15 15h6'] },
  '📎': {
    paths: ['M21.4 11.1l-9.2 9.2a6 6 0 0 1-8.5-8.5l9.2-9.2a4 4 0 0 1 5.7 5.7l-9.2 9.2a2 2 0 0 1-2.8-2.8l8.5-8.5'],
  },
};
const SVG = 'http://www.w3.org/2000/svg';
const REACTION_TITLES = { '🔁': 'React: another variation', '❌': 'React: cancel or delete' };

/** An emoji as its icon, the emoji itself kept for screen readers and copy; other text as it is. */
function iconOrText(text) {
  const svg = icon(text);
  return svg ? [svg, element('span', { class: 'visually-hidden' }, text)] : [text];
}

/** The icon for an emoji (variation selectors ignored), or null when there is none: the text label then stands alone. */
function icon(emoji) {
  const shape = emoji && ICONS[emoji.replace(/\uFE0F/g, '')];
  if (!shape) return null;
  const svg = document.createElementNS(SVG, 'svg');
  const attributes = {
    class: 'icon',
    viewBox: '0 0 24 24',
    width: '16',
    height: '16',
    fill: 'none',
    stroke: 'currentColor',
    'stroke-width': '2',
    'stroke-linecap': 'round',
    'stroke-linejoin': 'round',
    'aria-hidden': 'true',
    focusable: 'false',
  };
  for (const [key, value] of Object.entries(attributes)) svg.setAttribute(key, value);
  for (const d of shape.paths) {
    const path = document.createElementNS(SVG, 'path');
    path.setAttribute('d', d);
    svg.append(path);
  }
  for (const [cx, cy] of shape.dots ?? []) {
    const dot = document.createElementNS(SVG, 'circle');
    for (const [key, value] of Object.entries({ cx, cy, r: '1.5', fill: 'currentColor', stroke: 'none' }))
      dot.setAttribute(key, String(value));
    svg.append(dot);
  }
  return svg;
}

/** A thread: the bot's answers under the message that started it. */
function ensureThread(threadId) {
  let thread = channel.querySelector(`.thread[data-thread-id="${CSS.escape(threadId)}"]`);
  if (!thread) {
    thread = element('section', { class: 'thread', dataset: { threadId }, 'aria-label': 'Thread' });
    channel.append(thread);
  }
  return thread;
}

function drawMessage(message, card, localFile, { reveal: show = true } = {}) {
  const thread = ensureThread(message.threadId);
  if (message.messageId === message.threadId) {
    if (channel.querySelector(`.message[data-message-id="${CSS.escape(message.messageId)}"]`)) return;
    const photo = localFile ? URL.createObjectURL(localFile) : card?.source?.url;
    const node = element(
      'article',
      { class: 'message user', dataset: { messageId: message.messageId } },
      element(
        'div',
        { class: 'author' },
        element('strong', {}, user),
        ' ',
        element('time', { datetime: new Date(message.at).toISOString() }, new Date(message.at).toLocaleTimeString()),
      ),
      element('p', { class: 'text' }, message.text),
      photo
        ? element('img', {
            class: 'attachment-image',
            src: photo,
            alt: `Your photo for “${card?.prompt ?? message.text}”`,
          })
        : null,
    );
    thread.before(node);
    thread.setAttribute('aria-label', `Thread: ${message.text}`);
    node.append(thread); // the thread hangs under its message
    if (show) reveal(node);
  } else if (!thread.querySelector(`.used[data-job-id="${CSS.escape(message.jobId)}"]`)) {
    const line = element(
      'p',
      { class: 'used', dataset: { jobId: message.jobId } },
      `${user} used `,
      element('strong', {}, ...iconOrText(message.text)),
    );
    const existing = cardNode(message.jobId);
    if (existing) existing.before(line);
    else thread.append(line);
    if (show) reveal(line);
  }
  updateEmpty();
}

function cardNode(jobId) {
  return channel.querySelector(`.card[data-job-id="${CSS.escape(jobId)}"]`);
}

const FINAL_STATES = new Set(['done', 'failed', 'cancelled']);

function drawCard(card, { reveal: show = true } = {}) {
  const previous = cards.get(card.jobId);
  if (previous && previous.seq >= card.seq) return; // an older update arriving late
  // Progress updates without a new preview keep showing the last one.
  if (!card.preview && previous?.preview && !FINAL_STATES.has(card.state)) card.preview = previous.preview;
  cards.set(card.jobId, card);
  const existing = cardNode(card.jobId);
  const comparing = existing?.classList.contains('comparing') ?? false;
  const node = renderCard(card, comparing);
  if (existing) existing.replaceWith(node);
  else ensureThread(card.threadId).append(node);
  // "Stopping your edit…" has done its job once the card says how the edit ended.
  if (FINAL_STATES.has(card.state))
    channel
      .querySelectorAll(`.notice[data-settles-job="${CSS.escape(card.jobId)}"]`)
      .forEach((notice) => notice.remove());
  updateEmpty();
  if (show && (!existing || (card.state === 'done' && previous?.state !== 'done'))) reveal(node);
}

function renderCard(card, comparing) {
  const running = card.state === 'running' || card.state === 'queued';
  const node = element(
    'article',
    // aria-busy while the job runs: screen readers announce the card once it settles, not every progress step.
    {
      class: `card ${comparing ? 'comparing' : ''}`,
      dataset: { jobId: card.jobId, state: card.state },
      'aria-busy': running ? 'true' : null,
      'aria-label': `rfedit: ${card.kind} of “${card.prompt}”`,
    },
    element(
      'div',
      { class: 'author' },
      element('strong', { class: 'bot' }, 'rfedit'),
      ' ',
      element('span', { class: 'kind' }, card.kind),
      ' ',
      element('q', {}, card.prompt),
    ),
    element('p', { class: `status ${card.code ? 'error' : ''}`, role: card.code ? 'alert' : null }, card.text),
  );
  if (running && card.progress !== undefined) {
    node.append(
      element(
        'progress',
        { max: '1', value: String(card.progress), 'aria-label': `Progress of “${card.prompt}”` },
        `${Math.round(card.progress * 100)}%`,
      ),
    );
  }
  if (running && card.preview)
    node.append(
      element('img', { class: 'preview', src: card.preview, alt: `Preview while editing: “${card.prompt}”` }),
    );
  if (card.images.length > 0) {
    const figures = element('div', { class: 'images' });
    if (comparing && card.source) figures.append(figure(card.source, 'Before', 'source'));
    for (const image of card.images) figures.append(figure(image, comparing ? 'After' : null, 'result'));
    node.append(figures);
  }
  if (card.buttons.length > 0) {
    const row = element('div', { class: 'buttons', role: 'group', 'aria-label': 'Actions' });
    for (const button of card.buttons) row.append(renderButton(card, button, comparing));
    node.append(row);
  }
  if (card.reactions.length > 0) {
    const row = element('div', { class: 'reactions', role: 'group', 'aria-label': 'Reactions' });
    for (const emoji of card.reactions) {
      const title = REACTION_TITLES[emoji] ?? `React with ${emoji}`; // words: a tooltip has no SVG
      row.append(
        element(
          'button',
          {
            type: 'button',
            class: 'reaction',
            title,
            'aria-label': `React with ${emoji}`,
            onclick: () => react(card, emoji),
          },
          icon(emoji) ?? emoji,
        ),
      );
    }
    node.append(row);
  }
  return node;
}

function figure(image, caption, role) {
  return element(
    'figure',
    {},
    element('img', {
      class: role,
      src: image.url,
      alt: image.alt,
      width: image.width || null,
      height: image.height || null,
      loading: 'lazy',
    }),
    caption ? element('figcaption', {}, caption) : null,
  );
}

function renderButton(card, button, comparing) {
  const content = [icon(button.emoji), element('span', {}, button.label)];
  if (button.local === 'compare') {
    return element(
      'button',
      {
        type: 'button',
        class: `button ${button.style}`,
        'aria-pressed': String(comparing),
        onclick: () => toggleCompare(card),
      },
      ...content,
    );
  }
  return element(
    'button',
    {
      type: 'button',
      class: `button ${button.style}`,
      'aria-label': button.label,
      onclick: (event) => press(card, button, event.currentTarget),
    },
    ...content,
  );
}

function toggleCompare(card) {
  const node = cardNode(card.jobId);
  const next = renderCard(card, !node.classList.contains('comparing'));
  node.replaceWith(next);
  next.querySelector('[aria-pressed]')?.focus();
}

async function press(card, button, target) {
  target.disabled = true;
  const result = await post('/api/action', JSON.stringify({ actionId: button.actionId, threadId: card.threadId }));
  target.disabled = false;
  showResult(result, card);
}

async function react(card, emoji) {
  const result = await post('/api/react', JSON.stringify({ jobId: card.jobId, emoji, threadId: card.threadId }));
  showResult(result, card);
}

function showResult(result, card) {
  result.reply.removeMessageIds?.forEach(removeCard);
  if (result.message) drawMessage(result.message, result.card);
  if (result.card) drawCard(result.card);
  if (result.reply.requestInput) return openRemix(result.reply.requestInput, card);
  // A cancel's "Stopping your edit…" that arrives after the card already says "Cancelled." would read backwards.
  const settled = result.reply.settlesWithJob && FINAL_STATES.has(cards.get(result.reply.settlesWithJob)?.state);
  if (result.reply.ephemeral && !settled) drawNotice(result.reply, card.threadId);
}

/** At most ~80 characters of what the user typed, when a notice repeats it. */
function clip(text, maxChars = 80) {
  return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
}

/** "Only you can see this": an answer for the asker alone, under the thread (or the channel) it is about. */
function drawNotice(reply, threadId, sentText, sentFile) {
  const notice = element(
    'div',
    {
      class: `notice ${reply.code ? 'error' : ''}`,
      role: reply.code ? 'alert' : 'status',
      dataset: { code: reply.code ?? '', settlesJob: reply.settlesWithJob },
    },
    sentText
      ? element(
          'p',
          { class: 'echo' },
          element('strong', {}, user),
          ' ',
          clip(sentText),
          sentFile ? ` (attached: ${clip(sentFile.name, 40)})` : '',
        )
      : null,
    element('p', { class: 'text' }, reply.text),
    element(
      'p',
      { class: 'only-you' },
      'Only you can see this · ',
      element(
        'button',
        { type: 'button', class: 'link', onclick: (e) => e.currentTarget.closest('.notice').remove() },
        'Dismiss',
      ),
    ),
  );
  (threadId ? ensureThread(threadId) : channel).append(notice);
  updateEmpty();
  reveal(notice);
}

function openRemix(request, card) {
  const thread = ensureThread(card.threadId);
  thread.querySelector('.remix-form')?.remove();
  const prompt = element('textarea', { name: 'prompt', rows: '2', required: true }, request.prompt);
  const strength = element('input', {
    name: 'strength',
    type: 'number',
    min: '0',
    max: '1',
    step: '0.05',
    value: request.strength ?? '',
  });
  const form = element(
    'form',
    { class: 'remix-form', 'aria-label': 'Remix' },
    element('label', {}, 'New prompt', prompt),
    element('label', {}, 'Strength (0 keeps the photo, 1 follows the prompt)', strength),
    element(
      'div',
      { class: 'buttons' },
      element('button', { type: 'submit', class: 'button primary' }, 'Remix'),
      element('button', { type: 'button', class: 'button secondary', onclick: () => form.remove() }, 'Cancel'),
    ),
  );
  form.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') form.remove();
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const result = await post(
      '/api/remix',
      JSON.stringify({ jobId: request.jobId, prompt: prompt.value, strength: strength.value, threadId: card.threadId }),
    );
    form.remove();
    showResult(result, card);
  });
  thread.append(form);
  reveal(form);
  prompt.focus();
}

function removeCard(messageId) {
  cardNode(messageId)?.remove();
  cards.delete(messageId);
}

startSession().then((ok) => ok && connect());
