/** The built-in demo model: a FLUX.1-shaped ONNX export with an exact, closed-form Gaussian flow. */
export {
  DEMO_MODEL_VERSION,
  DEMO_VARIANT_DEFAULTS,
  type DemoModelVariant,
  demoModelFiles,
  ensureDemoModel,
  generateDemoModel,
  isCurrentDemoModel,
} from './generate.ts';
export { DEMO_VOCABULARY, DEMO_WORDS, demoEffect, demoPromptWords } from './vocabulary.ts';
export { coefficientTarget, packedTargets, type DemoPromptEffect } from './spectrum.ts';
export { DEMO_NOMINAL_GUIDANCE } from './components.ts';
