/** Both platforms derive a file's type from its name when the uploader says only "octet-stream". */
const TYPES_BY_EXTENSION: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  txt: 'text/plain; charset=utf-8',
};

export function contentTypeFromName(filename: string, fallback = 'application/octet-stream'): string {
  const ext = /\.([a-z0-9]+)$/i.exec(filename)?.[1]?.toLowerCase();
  return (ext && TYPES_BY_EXTENSION[ext]) || fallback;
}
