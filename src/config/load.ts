/**
 * Loads the configuration: config/default.yaml ← config/local.yaml (optional, or RFEDIT_CONFIG) ← environment
 * (RFEDIT_<SECTION>__<KEY>=value, e.g. RFEDIT_QUEUE__SLOTS=2). The only module that reads process.env.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { z } from 'zod';
import { RfeditError } from '../errors.ts';
import { configSchema, SECRET_ENV, type Config, type Secrets } from './schema.ts';

// RFEDIT_SECRET and RFEDIT_WEB_PASSWORD share the config prefix but are secrets, not config keys.
const SECRET_VARIABLES: ReadonlySet<string> = new Set(Object.values(SECRET_ENV));

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ENV_PREFIX = 'RFEDIT_';

export interface LoadedConfig {
  config: Config;
  secrets: Secrets;
  /** Files that were read, in order. */
  sources: string[];
}

export class ConfigError extends RfeditError {
  constructor(readonly problems: string[]) {
    super(
      'config_invalid',
      `The configuration has ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, root = PROJECT_ROOT): LoadedConfig {
  const sources: string[] = [];
  const problems: string[] = [];
  let merged: Record<string, unknown> = {};
  const files = [path.join(root, 'config/default.yaml'), env.RFEDIT_CONFIG ?? path.join(root, 'config/local.yaml')];
  for (const file of files) {
    if (!existsSync(file)) continue;
    try {
      const parsed = YAML.parse(readFileSync(file, 'utf8')) ?? {};
      if (typeof parsed !== 'object' || Array.isArray(parsed))
        throw new Error('the top level must be a mapping of keys');
      merged = deepMerge(merged, parsed as Record<string, unknown>);
      sources.push(file);
    } catch (error) {
      problems.push(`${file}: ${(error as Error).message}`);
    }
  }
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || name === 'RFEDIT_CONFIG' || SECRET_VARIABLES.has(name) || raw === undefined)
      continue;
    const keys = schemaKeys(name.slice(ENV_PREFIX.length).split('__').map(envKeyToConfigKey));
    setPath(merged, keys, parseEnvValue(raw));
  }
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    for (const issue of result.error.issues)
      problems.push(`${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const secrets: Secrets = {};
  for (const [key, variable] of Object.entries(SECRET_ENV) as Array<[keyof Secrets, string]>) {
    if (env[variable]) secrets[key] = env[variable];
  }
  const config = result.data!;
  config.dataDir = path.resolve(root, config.dataDir);
  return { config, secrets, sources };
}

/** QUEUE → queue, MAX_QUEUED → maxQueued, DATA_DIR → dataDir. */
function envKeyToConfigKey(part: string): string {
  return part.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The schema's own spelling of each key, matched without case: MIN_FREE_MB → minFreeMb → minFreeMB. */
function schemaKeys(keys: string[]): string[] {
  let shape: Record<string, z.ZodTypeAny> | undefined = configSchema.shape;
  return keys.map((key) => {
    const match = shape && Object.keys(shape).find((candidate) => candidate.toLowerCase() === key.toLowerCase());
    shape = match ? objectShape(shape![match]) : undefined;
    return match ?? key;
  });
}

function objectShape(type: z.ZodTypeAny): Record<string, z.ZodTypeAny> | undefined {
  let inner: z.ZodTypeAny = type;
  while (inner instanceof z.ZodDefault || inner instanceof z.ZodOptional) inner = inner._def.innerType;
  return inner instanceof z.ZodObject ? (inner.shape as Record<string, z.ZodTypeAny>) : undefined;
}

/** Environment values are YAML scalars or lists: `2`, `true`, `[cuda, cpu]`, `a,b` stays a string. */
function parseEnvValue(raw: string): unknown {
  try {
    return YAML.parse(raw);
  } catch {
    return raw;
  }
}

function setPath(target: Record<string, unknown>, keys: string[], value: unknown): void {
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The effective configuration for display: secrets shown only as set/unset. */
export function describeConfig(loaded: LoadedConfig): string {
  const secrets = Object.fromEntries(
    Object.entries(SECRET_ENV).map(([key, variable]) => [
      variable,
      loaded.secrets[key as keyof Secrets] ? '(set, redacted)' : '(not set)',
    ]),
  );
  return YAML.stringify({ ...loaded.config, secrets, loadedFrom: loaded.sources });
}
