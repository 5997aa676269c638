/** The page's files, read once at start and served from memory. */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export interface StaticAsset {
  contentType: string;
  bytes: Buffer;
}

const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));
const ASSETS: Record<string, { file: string; contentType: string }> = {
  '/': { file: 'index.html', contentType: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', contentType: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', contentType: 'text/javascript; charset=utf-8' },
  '/sketch-pad.js': { file: 'sketch-pad.js', contentType: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', contentType: 'text/css; charset=utf-8' },
};

export async function loadStaticAssets(): Promise<Map<string, StaticAsset>> {
  const assets = new Map<string, StaticAsset>();
  for (const [path, { file, contentType }] of Object.entries(ASSETS)) {
    assets.set(path, { contentType, bytes: await readFile(PUBLIC_DIR + file) });
  }
  return assets;
}
