/**
 * The sign-in step of a web chat that has a password: a plain HTML form (no script, so it works under the
 * page's Content-Security-Policy), and a per-address limit on wrong guesses.
 */
export const LOGIN_PATH = '/login';

/** The form, with an optional line saying what went wrong. Nothing the client sent is echoed. */
export function loginPage(problem?: string): Buffer {
  return Buffer.from(`<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>rfedit · sign in</title>
  <link rel="stylesheet" href="/style.css">
</head>
<body>
  <header class="top"><h1><span aria-hidden="true">#</span> rfedit-demo</h1><p class="topic">This web chat needs its password. Ask whoever runs it.</p></header>
  <main class="channel">
    ${problem ? `<div class="notice error" role="alert"><p class="text">${problem}</p></div>` : ''}
    <form class="identity" method="post" action="${LOGIN_PATH}">
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required autofocus>
      <button type="submit" class="button primary">Sign in</button>
    </form>
  </main>
</body>
</html>
`);
}

export const LOGIN_PROBLEMS = {
  wrong: 'That password is not right. Please try again.',
  tooMany: (minutes: number) =>
    `Too many wrong passwords from your connection. Please wait ${minutes} minute${minutes === 1 ? '' : 's'} and try again.`,
} as const;

/** Wrong guesses per address within a window; a guess beyond the limit is refused without being checked. */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly maxFailures = 10,
    private readonly windowMs = 10 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Minutes until `client` may guess again, or 0 when it may now. */
  waitMinutes(client: string): number {
    const recent = this.recent(client);
    if (recent.length < this.maxFailures) return 0;
    return Math.max(1, Math.ceil((recent[0]! + this.windowMs - this.now()) / 60_000));
  }

  failed(client: string): void {
    // Forget addresses whose guesses have aged out, so rotating addresses cannot grow the map without end.
    if (this.failures.size > 10_000) for (const key of [...this.failures.keys()]) this.recent(key);
    this.failures.set(client, [...this.recent(client), this.now()]);
  }

  private recent(client: string): number[] {
    const since = this.now() - this.windowMs;
    const recent = (this.failures.get(client) ?? []).filter((at) => at > since);
    if (recent.length === 0) this.failures.delete(client);
    else this.failures.set(client, recent);
    return recent;
  }
}
