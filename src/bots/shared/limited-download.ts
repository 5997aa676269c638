/**
 * Fetches a user's upload with a byte limit and a time limit, so a huge or slow file cannot tie up the bot.
 * The declared size is checked before any byte is read, Content-Length before the body, and the running
 * count while streaming (a server may lie or omit the header). Redirects are refused so a URL that passed a
 * host check cannot lead elsewhere.
 */
import { UserInputError } from '../../errors.ts';

export interface DownloadLimits {
  readonly maxBytes: number;
  readonly timeoutMs: number;
}

export async function downloadLimited(
  url: URL,
  limits: DownloadLimits,
  headers: Record<string, string> = {},
): Promise<Uint8Array> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, { headers, redirect: 'error', signal });
  } catch (error) {
    throw downloadFailed(error, limits);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new UserInputError(
      'download_failed',
      `I could not download that file (HTTP ${response.status}). Please upload it again.`,
    );
  }
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared)) assertWithinLimit(declared, limits.maxBytes);
  const chunks: Uint8Array[] = [];
  let received = 0;
  try {
    for await (const chunk of response.body ?? []) {
      received += chunk.byteLength;
      assertWithinLimit(received, limits.maxBytes);
      chunks.push(chunk);
    }
  } catch (error) {
    await response.body?.cancel().catch(() => {});
    throw error instanceof UserInputError ? error : downloadFailed(error, limits);
  }
  return Buffer.concat(chunks, received);
}

/** The refusal for a file over the limit, shared by the pre-download check and the streaming check. */
export function assertWithinLimit(sizeBytes: number, maxBytes: number): void {
  if (sizeBytes > maxBytes) {
    throw new UserInputError(
      'image_too_large',
      `That file is ${megabytes(sizeBytes)} MB; the limit is ${megabytes(maxBytes)} MB.`,
      {
        details: { sizeBytes, maxBytes },
      },
    );
  }
}

function downloadFailed(error: unknown, limits: DownloadLimits): UserInputError {
  const timedOut =
    error instanceof Error &&
    (error.name === 'TimeoutError' || (error.cause as Error | undefined)?.name === 'TimeoutError');
  const message = timedOut
    ? `Downloading that file took longer than ${limits.timeoutMs / 1000} s, so I gave up. Please try a smaller file.`
    : 'I could not download that file. Please upload it again.';
  return new UserInputError('download_failed', message, { cause: error });
}

export function megabytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}
