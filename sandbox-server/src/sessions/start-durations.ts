/**
 * Before this process measured a start: about what a cold start took on the 2-core machine of
 * SCALING.md. Only the first readers of a run see an estimate made from it.
 */
export const FIRST_GUESS_SECONDS = 3;
/** The weight of the newest start in the moving average: a few starts outweigh an old figure. */
const SMOOTHING = 0.3;

/**
 * How long a sandbox start takes here, as a moving average of the starts this process measured.
 * A start still under way that has already run longer counts as one that took at least that long,
 * so a machine slowing down under a crowd raises the figure before any of those starts has ended.
 */
export class StartDurations {
  private average: number | undefined;

  /** A start that ended with a sandbox, after `seconds`. */
  measured(seconds: number): void {
    this.average = this.average === undefined ? seconds : this.average + SMOOTHING * (seconds - this.average);
  }

  /** The expected duration of a start, given how long each of the starts under way has run. */
  seconds(runningFor: readonly number[]): number {
    let seconds = this.average ?? FIRST_GUESS_SECONDS;
    for (const elapsed of runningFor) if (elapsed > seconds) seconds += SMOOTHING * (elapsed - seconds);
    return seconds;
  }
}
