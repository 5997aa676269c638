/**
 * What the demo model understands (see spectrum.ts for the distribution these words set). Each word may
 *  - shift the mean colour (colour words, averaged over the prompt's colour words),
 *  - shift the light (tone words, averaged likewise and added to the colour),
 *  - scale the luma spread per frequency and the chroma spread (gain words; log-gains averaged),
 * all in the VAE's pixel scale [−1, 1]. With γ = η = 0 an edit is exactly the filter "gain × (photo − mean)
 * + new mean" per frequency, so a gain curve reads as what it does to the photo: > 1 at high frequencies
 * sharpens, < 1 softens, a near-zero DC and low-frequency gain with a high-frequency boost leaves only lines.
 * Other words mean nothing; the empty prompt is the prior itself, whose flow inverts and regenerates a photo.
 */
import type { ModelVocabulary } from '../types.ts';
import { type DemoPromptEffect, GAIN_KNOTS, knotFrequency } from './spectrum.ts';

type Rgb = readonly [number, number, number];
/** A luma gain as a function of frequency f (cycles per 256 px). */
type GainCurve = (f: number) => number;

export interface DemoWord {
  /** Added to the mean, averaged over the prompt's colour words. */
  readonly colour?: Rgb;
  /** Added to the mean, averaged over the prompt's tone words. */
  readonly tone?: Rgb;
  readonly luma?: GainCurve;
  readonly chroma?: number;
  /** One line for the README. */
  readonly does: string;
  /** The /help heading it is listed under. */
  readonly group: DemoWordGroup;
  /** Blurs or veils on purpose, so the photo's edges weaken: the bench reports its edge figure apart. */
  readonly softens?: true;
}

const grey = (v: number): Rgb => [v, v, v];
/** Contrast at every frequency but the DC (the overall brightness stays). */
const contrast =
  (k: number): GainCurve =>
  (f) =>
    f === 0 ? 1 : k;
/** Low-pass: gain 1/√(1 + (f/f0)^2). */
const lowPass =
  (f0: number, floor = 0): GainCurve =>
  (f) =>
    floor + (1 - floor) / Math.sqrt(1 + (f / f0) ** 2);
/** lo + (hi − lo)·f²/(f² + k²): lo at the coarse scale, hi at the fine. */
const ramp =
  (lo: number, hi: number, k: number): GainCurve =>
  (f) =>
    lo + ((hi - lo) * f * f) / (f * f + k * k);

export const DEMO_WORD_GROUPS = {
  colour: 'Colours (shift the colours toward it)',
  light: 'Light and time of day',
  look: 'Looks (drawing, sharpness, softness, contrast, colourfulness)',
  season: 'Seasons and weather',
} as const;
export type DemoWordGroup = keyof typeof DEMO_WORD_GROUPS;

export const DEMO_VOCABULARY: Readonly<Record<string, DemoWord>> = {
  red: { colour: [0.6, -0.35, -0.35], does: 'shifts the colours toward red', group: 'colour' },
  orange: { colour: [0.55, 0.1, -0.45], does: 'shifts the colours toward orange', group: 'colour' },
  yellow: { colour: [0.45, 0.4, -0.5], does: 'shifts the colours toward yellow', group: 'colour' },
  gold: { colour: [0.45, 0.25, -0.45], does: 'shifts the colours toward gold', group: 'colour' },
  green: { colour: [-0.35, 0.5, -0.35], does: 'shifts the colours toward green', group: 'colour' },
  teal: { colour: [-0.45, 0.25, 0.2], does: 'shifts the colours toward teal', group: 'colour' },
  cyan: { colour: [-0.5, 0.3, 0.4], does: 'shifts the colours toward cyan', group: 'colour' },
  blue: { colour: [-0.4, -0.2, 0.6], does: 'shifts the colours toward blue', group: 'colour' },
  purple: { colour: [0.25, -0.45, 0.5], does: 'shifts the colours toward purple', group: 'colour' },
  magenta: { colour: [0.5, -0.5, 0.4], does: 'shifts the colours toward magenta', group: 'colour' },
  pink: { colour: [0.55, -0.1, 0.25], does: 'shifts the colours toward pink', group: 'colour' },
  brown: { colour: [0.15, -0.15, -0.4], does: 'shifts the colours toward brown', group: 'colour' },
  white: { colour: grey(0.5), does: 'lightens everything', group: 'colour' },
  black: { colour: grey(-0.6), does: 'darkens everything', group: 'colour' },
  grey: { chroma: 0.1, does: 'nearly black and white', group: 'colour' },
  gray: { chroma: 0.1, does: 'nearly black and white', group: 'colour' },
  warm: { colour: [0.25, 0.05, -0.25], does: 'warmer colours', group: 'colour' },
  cool: { colour: [-0.2, 0, 0.25], does: 'cooler colours', group: 'colour' },

  bright: { tone: grey(0.35), does: 'brighter', group: 'light' },
  sunny: { tone: [0.35, 0.3, 0.1], chroma: 1.2, does: 'brighter, warmer, a little more colourful', group: 'light' },
  daylight: { tone: grey(0.25), does: 'brighter', group: 'light' },
  glowing: {
    tone: [0.35, 0.28, 0.15],
    luma: lowPass(40, 0.6),
    does: 'brighter and warm with a soft glow',
    group: 'light',
  },
  dim: { tone: grey(-0.25), does: 'darker', group: 'light' },
  dark: { tone: grey(-0.45), does: 'much darker', group: 'light' },
  dusk: {
    tone: [-0.15, -0.3, -0.05],
    luma: contrast(0.8),
    chroma: 0.75,
    does: 'darker and violet, lower contrast',
    group: 'light',
  },
  night: {
    tone: [-0.5, -0.45, -0.25],
    luma: contrast(0.6),
    chroma: 0.45,
    does: 'dark and blue, low contrast, little colour',
    group: 'light',
  },
  golden: {
    tone: [0.3, 0.12, -0.3],
    luma: contrast(1.1),
    chroma: 1.3,
    does: '(golden hour) warm low sun: golden light, richer colour',
    group: 'light',
  },

  vivid: { luma: contrast(1.2), chroma: 1.6, does: 'more colourful, a little more contrast', group: 'look' },
  vibrant: { luma: contrast(1.15), chroma: 1.8, does: 'more colourful', group: 'look' },
  dramatic: {
    tone: grey(-0.1),
    luma: contrast(1.6),
    chroma: 1.2,
    does: 'much more contrast, a little darker',
    group: 'look',
  },
  soft: {
    softens: true,
    tone: grey(0.08),
    luma: lowPass(7),
    chroma: 0.9,
    does: 'softer: fine detail blurred',
    group: 'look',
  },
  dreamy: {
    softens: true,
    tone: [0.2, 0.12, 0.2],
    luma: lowPass(5, 0.1),
    chroma: 0.8,
    does: 'hazy and bright: strongly blurred, pastel',
    group: 'look',
  },
  watercolor: {
    softens: true,
    tone: grey(0.2),
    luma: ramp(1, 0.25, 12),
    chroma: 1.25,
    does: 'washes of colour: fine detail faded, brighter',
    group: 'look',
  },
  pastel: { tone: grey(0.25), luma: contrast(0.75), chroma: 0.5, does: 'pale, soft colours', group: 'look' },
  faded: { tone: grey(0.1), luma: contrast(0.7), chroma: 0.55, does: 'washed out', group: 'look' },
  muted: { luma: contrast(0.85), chroma: 0.25, does: 'much less colour, a little less contrast', group: 'look' },
  flat: { luma: contrast(0.4), chroma: 0.6, does: 'very little contrast', group: 'look' },
  poster: {
    luma: ramp(1.5, 0.4, 16),
    chroma: 1.6,
    does: 'bold flat colour areas: coarse contrast up, fine detail down',
    group: 'look',
  },
  sharp: { luma: ramp(1, 3.5, 30), does: 'crisper: fine detail boosted', group: 'look' },
  detailed: { luma: ramp(1, 2.8, 20), chroma: 1.1, does: 'more fine detail', group: 'look' },
  sketch: {
    tone: grey(0.55),
    luma: ramp(0.05, 2.55, 8),
    chroma: 0.03,
    does: 'a pencil sketch: light paper, only the lines, no colour',
    group: 'look',
  },
  pencil: {
    tone: grey(0.45),
    luma: ramp(0.05, 2, 12),
    chroma: 0.02,
    does: 'a pencil drawing: grey lines on light paper',
    group: 'look',
  },
  charcoal: {
    tone: grey(0.2),
    luma: ramp(0.15, 3, 5),
    chroma: 0.02,
    does: 'a charcoal drawing: bold dark strokes, no colour',
    group: 'look',
  },
  snowy: {
    tone: [0.35, 0.38, 0.45],
    luma: contrast(0.75),
    chroma: 0.5,
    does: 'winter light: bright, cold and pale',
    group: 'season',
  },
  autumn: {
    tone: [0.15, 0, -0.25],
    luma: contrast(1.1),
    chroma: 1.4,
    does: 'autumn colours: orange and richer',
    group: 'season',
  },
  foggy: {
    softens: true,
    tone: [0.3, 0.3, 0.32],
    luma: ramp(0.45, 0.2, 10),
    chroma: 0.35,
    does: 'fog: pale grey veil, far less contrast and detail',
    group: 'season',
  },
};

export const DEMO_WORDS: readonly string[] = Object.keys(DEMO_VOCABULARY);

/** Width of both encoders' embeddings (FLUX.1: 4096 for T5, 768 for CLIP). */
export const DEMO_EMBEDDING_DIM = 17;
/** Columns of a CLIP-like row: colour rgb + weight, tone rgb + weight, luma log-gains at the knots, chroma log-gain, gain weight. */
export const ROW = {
  colour: 0,
  colourWeight: 3,
  tone: 4,
  toneWeight: 7,
  luma: 8,
  chroma: 8 + GAIN_KNOTS,
  gainWeight: 9 + GAIN_KNOTS,
} as const;

/** CLIP-like row of one word; pooled = sum over the prompt's tokens. Unknown tokens are zero rows. */
export function clipRow(word: string | null): number[] {
  const row = new Array<number>(DEMO_EMBEDDING_DIM).fill(0);
  const w = word === null ? undefined : DEMO_VOCABULARY[word];
  if (!w) return row;
  if (w.colour) {
    row.splice(ROW.colour, 3, ...w.colour);
    row[ROW.colourWeight] = 1;
  }
  if (w.tone) {
    row.splice(ROW.tone, 3, ...w.tone);
    row[ROW.toneWeight] = 1;
  }
  if (w.luma || w.chroma !== undefined) {
    const luma = w.luma ?? (() => 1);
    for (let j = 0; j < GAIN_KNOTS; j++) row[ROW.luma + j] = Math.log(luma(knotFrequency(j)));
    row[ROW.chroma] = Math.log(w.chroma ?? 1);
    row[ROW.gainWeight] = 1;
  }
  return row;
}

/** T5-like rows: all zero. The demo reads only the CLIP-like pooled vector, where a word counts only when whole. */
export function t5Row(): number[] {
  return new Array<number>(DEMO_EMBEDDING_DIM).fill(0);
}

/** The effect a prompt's known words select, computed the way the demo transformer graph does (tests, docs, bench). */
export function demoEffect(words: readonly string[], guidanceScale = 1): DemoPromptEffect {
  const sum = new Array<number>(DEMO_EMBEDDING_DIM).fill(0);
  for (const word of words) clipRow(word).forEach((v, i) => (sum[i] += v));
  const avg = (from: number, to: number, weight: number) =>
    sum.slice(from, to).map((v) => (v / Math.max(sum[weight], 1)) * guidanceScale);
  const colour = avg(ROW.colour, ROW.colour + 3, ROW.colourWeight);
  const tone = avg(ROW.tone, ROW.tone + 3, ROW.toneWeight);
  return {
    shift: [colour[0] + tone[0], colour[1] + tone[1], colour[2] + tone[2]],
    lumaLogGain: avg(ROW.luma, ROW.luma + GAIN_KNOTS, ROW.gainWeight),
    chromaLogGain: avg(ROW.chroma, ROW.chroma + 1, ROW.gainWeight)[0],
  };
}

/** Filler words a prompt needs but that carry no look; not worth reporting as ignored. */
const FILLER = new Set(
  'a an the it its this that these those my our your his her their make makes made turn into in at on of with and or to as like more very so some please photo picture image style look looking version hour add give'.split(
    ' ',
  ),
);

/** Which of a prompt's words the demo used and which it ignored (whole words, case-insensitive, as its CLIP tokenizer sees them). */
export function demoPromptWords(prompt: string): { used: string[]; ignored: string[] } {
  const words = prompt.toLowerCase().match(/\p{L}+/gu) ?? [];
  const used = [...new Set(words.filter((w) => Object.hasOwn(DEMO_VOCABULARY, w)))];
  const ignored = [...new Set(words.filter((w) => !Object.hasOwn(DEMO_VOCABULARY, w) && !FILLER.has(w)))];
  return { used, ignored };
}

/** The demo's vocabulary as the engine reports it: /help lists it, results say which words were used. */
export const DEMO_MODEL_VOCABULARY: ModelVocabulary = {
  modelName: 'the demo model',
  groups: Object.entries(DEMO_WORD_GROUPS).map(([group, title]) => ({
    title,
    words: DEMO_WORDS.filter((w) => DEMO_VOCABULARY[w].group === group),
  })),
  read: demoPromptWords,
};
