/**
 * The order in which statements sent on one transaction level (or one held connection) go out
 * while the level is blocked by a savepoint or transaction opened inside it.
 */

const noop = (): undefined => undefined;

/**
 * Lets the callers of one level through in call order, each once nothing blocks the level. A
 * caller finding the level free and nobody waiting goes at once, synchronously, so unblocked
 * statements keep the cost and the order they had.
 */
export class Lane {
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;

  /**
   * Call `go` once `blocker()` (a promise for the end of what blocks the level, or undefined when
   * nothing does) is clear and every earlier caller has gone. `go` runs synchronously right after
   * the last check, so nothing can open in between.
   */
  run<T>(blocker: () => Promise<void> | undefined, go: () => Promise<T>): Promise<T> {
    if (this.waiting === 0 && blocker() === undefined) return go();
    this.waiting++;
    const turn = this.tail.then(async () => {
      for (let ending = blocker(); ending; ending = blocker()) await ending;
      this.waiting--;
      // Boxed, so that the next caller's turn does not wait for this statement to finish.
      return [go()] as const;
    });
    this.tail = turn.then(noop, noop);
    return turn.then(([sent]) => sent);
  }
}
