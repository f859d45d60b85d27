/**
 * Progress of a long operation, on stderr so that stdout stays the report (and valid JSON
 * with `--json`): nothing for work done within a second, then at most a line a second,
 * and the last one when the work is over.
 */
export interface Progress {
  /** What the operation has got to; shown if a second has passed since the start or the last line. */
  update(line: string): void;
  /** The operation is over: its last line is shown if lines were shown and it was held back. */
  done(): void;
}

const INTERVAL_MS = 1_000;

export function progressOn(write: (line: string) => void, now: () => number = Date.now): Progress {
  let since = now();
  let shown = false;
  let held: string | undefined;
  return {
    update(line) {
      held = line;
      if (now() - since < INTERVAL_MS) return;
      write(line);
      since = now();
      shown = true;
      held = undefined;
    },
    done() {
      if (shown && held !== undefined) write(held);
      held = undefined;
      shown = false;
      since = now();
    },
  };
}
