/**
 * What every fault test asserts besides its own error: nothing escaped as an unhandled rejection
 * or an uncaught exception, and the failure came within a time bound (never a hang).
 */

export interface Escapes {
  /** Unhandled rejections and uncaught exceptions seen since `start()`. */
  readonly seen: unknown[];
  stop(): void;
}

/** Watch for errors that escape the API (vitest reports them too; this makes each test own its own). */
export function watchEscapes(): Escapes {
  const seen: unknown[] = [];
  const onRejection = (reason: unknown) => seen.push(reason);
  const onException = (error: unknown) => seen.push(error);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    seen,
    stop() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}

export interface Outcome {
  error: unknown;
  value: unknown;
  ms: number;
  /** True when the promise had not settled within the bound. */
  hung: boolean;
}

/** How `p` ends, and how long it took; `hung` if it had not settled within `boundMs`. */
export async function outcome(p: Promise<unknown>, boundMs: number): Promise<Outcome> {
  const start = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), boundMs);
  });
  const settled = p.then(
    (value) => ({ error: undefined, value }),
    (error: unknown) => ({ error, value: undefined }),
  );
  const first = await Promise.race([settled, hang]);
  clearTimeout(timer);
  if (first === 'hung') return { error: undefined, value: undefined, ms: Date.now() - start, hung: true };
  return { ...first, ms: Date.now() - start, hung: false };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll `check` until it returns true, or fail after `ms`. */
export async function until(check: () => Promise<boolean> | boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
