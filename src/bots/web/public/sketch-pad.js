// The drawing pad: a rough colour sketch, sent as the photo of an /edit with the stroke-to-image preset
// (the paper's first application: a few coloured strokes become a picture). Mouse, touch and pen all
// arrive as pointer events. Every stroke is kept, so Undo redraws the others.

export const SKETCH_PRESET = 'stroke-to-image';
const PRESET_FLAG = `--preset ${SKETCH_PRESET}`;
const PAPER = '#ffffff';

/**
 * The message to send with a drawing: what was typed so far as an /edit with the sketch preset, and
 * `caret`, the end of the prompt, so the person can go on typing it (a space stays before the flag).
 */
export function sketchCommand(typed) {
  const text = typed.trim();
  // Another command typed so far (or none) gives way to /edit; plain words become its prompt.
  const edit = /^\/edit(\s|$)/iu.test(text) ? text : text.startsWith('/') ? '/edit' : `/edit ${text}`.trimEnd();
  if (/(^|\s)(--|—|–)preset\s/iu.test(edit)) return { text: edit, caret: edit.length }; // a preset chosen by hand stays
  const flag = edit.search(/\s(--|—|–)[a-z]/iu); // the prompt ends where the first flag starts
  const prompt = flag < 0 ? edit : edit.slice(0, flag).trimEnd();
  const rest = flag < 0 ? '' : edit.slice(flag);
  const head = prompt === '/edit' ? '/edit ' : prompt;
  return { text: `${head} ${PRESET_FLAG}${rest}`, caret: head.length };
}

/**
 * Wires the pad in `dialog` to the button that opens it. `onUse(file)` receives the drawing as a PNG
 * File when the person presses "Use drawing".
 */
export function setUpSketchPad({ dialog, openButton, onUse }) {
  const canvas = dialog.querySelector('canvas');
  const context = canvas.getContext('2d');
  const size = dialog.querySelector('[name="brush-size"]');
  const undo = dialog.querySelector('[data-sketch="undo"]');
  const clear = dialog.querySelector('[data-sketch="clear"]');
  const use = dialog.querySelector('[data-sketch="use"]');
  const strokes = [];
  let current = null; // the stroke under the pointer

  const colour = () => dialog.querySelector('[name="brush-colour"]:checked')?.value ?? '#000000';

  function paint(stroke, from = 0) {
    context.strokeStyle = stroke.colour;
    context.fillStyle = stroke.colour;
    context.lineWidth = stroke.size;
    context.lineCap = 'round';
    context.lineJoin = 'round';
    const [first] = stroke.points;
    if (stroke.points.length === 1) {
      // A tap is a dot.
      context.beginPath();
      context.arc(first.x, first.y, stroke.size / 2, 0, 2 * Math.PI);
      context.fill();
      return;
    }
    context.beginPath();
    const start = stroke.points[Math.max(0, from - 1)];
    context.moveTo(start.x, start.y);
    for (const point of stroke.points.slice(Math.max(1, from))) context.lineTo(point.x, point.y);
    context.stroke();
  }

  function redraw() {
    context.fillStyle = PAPER; // an opaque paper: a transparent PNG would read as black to the model
    context.fillRect(0, 0, canvas.width, canvas.height);
    for (const stroke of strokes) paint(stroke);
    const empty = strokes.length === 0;
    undo.disabled = empty;
    clear.disabled = empty;
    use.disabled = empty;
  }

  /** The pointer's position in the canvas's own pixels (the canvas is drawn scaled to fit the dialog). */
  function pointOf(event) {
    const box = canvas.getBoundingClientRect();
    return {
      x: ((event.clientX - box.left) * canvas.width) / box.width,
      y: ((event.clientY - box.top) * canvas.height) / box.height,
    };
  }

  canvas.addEventListener('pointerdown', (event) => {
    if (event.button !== 0) return;
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    current = { pointerId: event.pointerId, colour: colour(), size: Number(size.value), points: [pointOf(event)] };
    strokes.push(current);
    redraw();
  });
  canvas.addEventListener('pointermove', (event) => {
    if (!current || event.pointerId !== current.pointerId) return;
    const from = current.points.length;
    // Coalesced events: the points a fast pen or finger passed through between two frames.
    for (const sample of event.getCoalescedEvents?.() ?? [event]) current.points.push(pointOf(sample));
    paint(current, from);
  });
  const finish = (event) => {
    if (current && event.pointerId === current.pointerId) current = null;
  };
  canvas.addEventListener('pointerup', finish);
  canvas.addEventListener('pointercancel', finish);

  undo.addEventListener('click', () => {
    strokes.pop();
    redraw();
  });
  clear.addEventListener('click', () => {
    strokes.length = 0;
    redraw();
  });
  dialog.addEventListener('keydown', (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'z' && strokes.length > 0) {
      event.preventDefault();
      undo.click();
    }
  });
  use.addEventListener('click', () => {
    canvas.toBlob((blob) => {
      if (!blob) return;
      dialog.close();
      onUse(new File([blob], 'sketch.png', { type: 'image/png' }));
    }, 'image/png');
  });
  dialog.querySelector('[data-sketch="close"]').addEventListener('click', () => dialog.close());
  openButton.addEventListener('click', () => {
    dialog.showModal();
    canvas.focus();
  });
  redraw();
}
