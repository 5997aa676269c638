/**
 * What the demo model understands. Its prompt-conditioned distribution over latents is N(μ, s²) per
 * element: colours (read by the T5-like encoder) set μ per RGB channel, light words (CLIP-like) shift μ
 * for all channels, style words (CLIP-like) set s. Values are in the VAE's pixel scale, [−1, 1].
 * Words not listed here carry no meaning; the empty prompt gives N(0, 1), whose flow is the identity.
 */

/** RGB offsets of the mean μ. */
export const COLOUR_WORDS: Readonly<Record<string, readonly [number, number, number]>> = {
  red: [0.6, -0.35, -0.35],
  orange: [0.55, 0.1, -0.45],
  yellow: [0.45, 0.4, -0.5],
  gold: [0.45, 0.25, -0.45],
  green: [-0.35, 0.5, -0.35],
  teal: [-0.45, 0.25, 0.2],
  cyan: [-0.5, 0.3, 0.4],
  blue: [-0.4, -0.2, 0.6],
  purple: [0.25, -0.45, 0.5],
  magenta: [0.5, -0.5, 0.4],
  pink: [0.55, -0.1, 0.25],
  brown: [0.15, -0.15, -0.4],
  white: [0.5, 0.5, 0.5],
  black: [-0.6, -0.6, -0.6],
  gray: [0, 0, 0],
  grey: [0, 0, 0],
  warm: [0.25, 0.05, -0.25],
  cool: [-0.2, 0, 0.25],
};

/** Brightness offsets added to every channel of μ. */
export const LIGHT_WORDS: Readonly<Record<string, number>> = {
  bright: 0.35,
  sunny: 0.3,
  daylight: 0.25,
  glowing: 0.3,
  dim: -0.25,
  dusk: -0.3,
  dark: -0.45,
  night: -0.55,
};

/** Spread s of the distribution (1 keeps the source's contrast; < 1 flattens it, > 1 exaggerates it). */
export const STYLE_WORDS: Readonly<Record<string, number>> = {
  vivid: 1.35,
  vibrant: 1.3,
  dramatic: 1.45,
  soft: 0.7,
  pastel: 0.6,
  faded: 0.55,
  muted: 0.6,
  flat: 0.35,
  watercolor: 0.65,
  poster: 0.3,
};

export const DEMO_WORDS: readonly string[] = [
  ...Object.keys(COLOUR_WORDS),
  ...Object.keys(LIGHT_WORDS),
  ...Object.keys(STYLE_WORDS),
];

/** Width of both encoders' embeddings (FLUX.1: 4096 for T5, 768 for CLIP). */
export const DEMO_EMBEDDING_DIM = 8;

/** T5-like row: [r, g, b, colour weight, 0…]. Summed over the sequence, μ_colour = Σrgb / max(Σweight, 1). */
export function t5Row(word: string | null): number[] {
  const row = new Array<number>(DEMO_EMBEDDING_DIM).fill(0);
  const colour = word === null ? undefined : COLOUR_WORDS[word];
  if (colour) {
    row[0] = colour[0];
    row[1] = colour[1];
    row[2] = colour[2];
    row[3] = 1;
  }
  return row;
}

/** CLIP-like row: [light, light weight, ln s, style weight, 0…]; pooled = sum over the sequence. */
export function clipRow(word: string | null): number[] {
  const row = new Array<number>(DEMO_EMBEDDING_DIM).fill(0);
  if (word !== null && LIGHT_WORDS[word] !== undefined) {
    row[0] = LIGHT_WORDS[word];
    row[1] = 1;
  }
  if (word !== null && STYLE_WORDS[word] !== undefined) {
    row[2] = Math.log(STYLE_WORDS[word]);
    row[3] = 1;
  }
  return row;
}

/** The distribution a prompt selects, computed the way the demo transformer graph does (for tests and docs). */
export function demoDistribution(words: readonly string[], guidanceScale = 1): { mean: [number, number, number]; spread: number } {
  const colours = words.filter((w) => COLOUR_WORDS[w]);
  const lights = words.filter((w) => LIGHT_WORDS[w] !== undefined);
  const styles = words.filter((w) => STYLE_WORDS[w] !== undefined);
  const light = lights.reduce((a, w) => a + LIGHT_WORDS[w], 0) / Math.max(lights.length, 1);
  const mean = [0, 1, 2].map(
    (c) => (colours.reduce((a, w) => a + COLOUR_WORDS[w][c], 0) / Math.max(colours.length, 1) + light) * guidanceScale,
  ) as [number, number, number];
  const logSpread = styles.reduce((a, w) => a + Math.log(STYLE_WORDS[w]), 0) / Math.max(styles.length, 1);
  return { mean, spread: Math.exp(logSpread) };
}
