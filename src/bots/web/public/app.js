// The rfedit web chat page: a thin renderer. It sends what the user typed or clicked to the server
// and draws the cards the server pushes; every decision (parsing options, validation, permissions,
// queueing, wording) is made by the bot.

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
    response = await fetch(path, { method: 'POST', headers: { 'content-type': contentType, 'x-rfedit-name': user }, body });
  } catch {
    return { reply: { text: 'I could not reach the bot (it may be restarting). Please try again in a moment.', ephemeral: true, code: 'offline' } };
  }
  const result = await response.json().catch(() => ({}));
  if (!response.ok) return { reply: { text: result.error?.text ?? `The server answered ${response.status}.`, ephemeral: true, code: result.error?.code ?? 'http' } };
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
  if (!response || !response.ok) return;
  const { messages, cards: snapshot } = await response.json();
  channel.querySelectorAll('.message, .thread, .notice').forEach((node) => node.remove());
  cards.clear();
  const byJob = new Map(snapshot.map((card) => [card.jobId, card]));
  for (const message of messages) drawMessage(message, byJob.get(message.jobId));
  for (const card of snapshot) drawCard(card);
  updateEmpty();
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
    if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
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

/** A thread: the bot's answers under the message that started it. */
function ensureThread(threadId) {
  let thread = channel.querySelector(`.thread[data-thread-id="${CSS.escape(threadId)}"]`);
  if (!thread) {
    thread = element('section', { class: 'thread', dataset: { threadId }, 'aria-label': 'Thread' });
    channel.append(thread);
  }
  return thread;
}

function drawMessage(message, card, localFile) {
  const thread = ensureThread(message.threadId);
  if (message.messageId === message.threadId) {
    if (channel.querySelector(`.message[data-message-id="${CSS.escape(message.messageId)}"]`)) return;
    const photo = localFile ? URL.createObjectURL(localFile) : card?.source?.url;
    const node = element(
      'article',
      { class: 'message user', dataset: { messageId: message.messageId } },
      element('div', { class: 'author' }, element('strong', {}, user), ' ', element('time', { datetime: new Date(message.at).toISOString() }, new Date(message.at).toLocaleTimeString())),
      element('p', { class: 'text' }, message.text),
      photo ? element('img', { class: 'attachment-image', src: photo, alt: `Your photo for “${card?.prompt ?? message.text}”` }) : null,
    );
    thread.before(node);
    thread.setAttribute('aria-label', `Thread: ${message.text}`);
    node.append(thread); // the thread hangs under its message
  } else if (!thread.querySelector(`.used[data-job-id="${CSS.escape(message.jobId)}"]`)) {
    const line = element('p', { class: 'used', dataset: { jobId: message.jobId } }, `${user} used `, element('strong', {}, message.text));
    const existing = cardNode(message.jobId);
    if (existing) existing.before(line);
    else thread.append(line);
  }
  updateEmpty();
  scrollToEnd();
}

function cardNode(jobId) {
  return channel.querySelector(`.card[data-job-id="${CSS.escape(jobId)}"]`);
}

function drawCard(card) {
  const previous = cards.get(card.jobId);
  if (previous && previous.seq >= card.seq) return; // an older update arriving late
  cards.set(card.jobId, card);
  const existing = cardNode(card.jobId);
  const comparing = existing?.classList.contains('comparing') ?? false;
  const node = renderCard(card, comparing);
  if (existing) existing.replaceWith(node);
  else ensureThread(card.threadId).append(node);
  updateEmpty();
  if (!existing) scrollToEnd();
}

function renderCard(card, comparing) {
  const running = card.state === 'running' || card.state === 'queued';
  const node = element(
    'article',
    // aria-busy while the job runs: screen readers announce the card once it settles, not every progress step.
    { class: `card ${comparing ? 'comparing' : ''}`, dataset: { jobId: card.jobId, state: card.state }, 'aria-busy': running ? 'true' : null, 'aria-label': `rfedit: ${card.kind} of “${card.prompt}”` },
    element('div', { class: 'author' }, element('strong', { class: 'bot' }, 'rfedit'), ' ', element('span', { class: 'kind' }, card.kind), ' ', element('q', {}, card.prompt)),
    element('p', { class: `status ${card.code ? 'error' : ''}`, role: card.code ? 'alert' : null }, card.text),
  );
  if (running && card.progress !== undefined) {
    node.append(element('progress', { max: '1', value: String(card.progress), 'aria-label': `Progress of “${card.prompt}”` }, `${Math.round(card.progress * 100)}%`));
  }
  if (running && card.preview) node.append(element('img', { class: 'preview', src: card.preview, alt: `Preview while editing: “${card.prompt}”` }));
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
      row.append(element('button', { type: 'button', class: 'reaction', title: `React with ${emoji}`, 'aria-label': `React with ${emoji}`, onclick: () => react(card, emoji) }, emoji));
    }
    node.append(row);
  }
  return node;
}

function figure(image, caption, role) {
  return element(
    'figure',
    {},
    element('img', { class: role, src: image.url, alt: image.alt, width: image.width || null, height: image.height || null, loading: 'lazy' }),
    caption ? element('figcaption', {}, caption) : null,
  );
}

function renderButton(card, button, comparing) {
  const label = button.emoji ? `${button.emoji} ${button.label}` : button.label;
  if (button.local === 'compare') {
    return element('button', { type: 'button', class: `button ${button.style}`, 'aria-pressed': String(comparing), onclick: () => toggleCompare(card) }, label);
  }
  return element('button', { type: 'button', class: `button ${button.style}`, 'aria-label': button.label, onclick: (event) => press(card, button, event.currentTarget) }, label);
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
  if (result.reply.ephemeral) drawNotice(result.reply, card.threadId);
}

/** "Only you can see this": an answer for the asker alone, under the thread (or the channel) it is about. */
function drawNotice(reply, threadId, sentText, sentFile) {
  const notice = element(
    'div',
    { class: `notice ${reply.code ? 'error' : ''}`, role: reply.code ? 'alert' : 'status', dataset: { code: reply.code ?? '' } },
    sentText ? element('p', { class: 'echo' }, element('strong', {}, user), ' ', sentText, sentFile ? ` (📎 ${sentFile.name})` : '') : null,
    element('p', { class: 'text' }, reply.text),
    element('p', { class: 'only-you' }, 'Only you can see this · ', element('button', { type: 'button', class: 'link', onclick: (e) => e.currentTarget.closest('.notice').remove() }, 'Dismiss')),
  );
  (threadId ? ensureThread(threadId) : channel).append(notice);
  updateEmpty();
  scrollToEnd();
}

function openRemix(request, card) {
  const thread = ensureThread(card.threadId);
  thread.querySelector('.remix-form')?.remove();
  const prompt = element('textarea', { name: 'prompt', rows: '2', required: true }, request.prompt);
  const strength = element('input', { name: 'strength', type: 'number', min: '0', max: '1', step: '0.05', value: request.strength ?? '' });
  const form = element(
    'form',
    { class: 'remix-form', 'aria-label': 'Remix' },
    element('label', {}, 'New prompt', prompt),
    element('label', {}, 'Strength (0 keeps the photo, 1 follows the prompt)', strength),
    element('div', { class: 'buttons' }, element('button', { type: 'submit', class: 'button primary' }, 'Remix'), element('button', { type: 'button', class: 'button secondary', onclick: () => form.remove() }, 'Cancel')),
  );
  form.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') form.remove();
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const result = await post('/api/remix', JSON.stringify({ jobId: request.jobId, prompt: prompt.value, strength: strength.value, threadId: card.threadId }));
    form.remove();
    showResult(result, card);
  });
  thread.append(form);
  prompt.focus();
}

function removeCard(messageId) {
  cardNode(messageId)?.remove();
  cards.delete(messageId);
}

startSession().then((ok) => ok && connect());
