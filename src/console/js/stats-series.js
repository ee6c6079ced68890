// GET /api/stats answers its window step by step (a minute a step up to 24 hours, an hour up to 60
// days). A chart has room for about 60 bars, so consecutive steps are drawn together: decisions
// added up (and shown per minute), the queue at its fullest, the earliest deadline at its closest.

export const MAX_BARS = 60;

/**
 * series: {step_seconds, points: [{at, decisions_by_action, queue_depth, earliest_deadline_at}]}.
 * Answers one bar per group of steps: {start, minutes, decisions: {action: n}, depth, secondsLeft}.
 * `secondsLeft` is how far the earliest deadline seen in a step was from the step's start (0 when
 * already past), the least of the group's; null when the queue was empty throughout.
 */
export function groupSeries(series, maxBars = MAX_BARS) {
  const points = series?.points ?? [];
  const stepMs = (series?.step_seconds ?? 60) * 1000;
  // A window of hours or days starts at a whole hour or day before it, so it may have one step
  // more than its length: that step does not make every bar wider.
  const size = Math.max(1, Math.ceil((points.length - 1) / maxBars));
  const bars = [];
  for (let i = 0; i < points.length; i += size) {
    const group = points.slice(i, i + size);
    const decisions = {};
    let depth = 0;
    let secondsLeft = null;
    for (const point of group) {
      for (const [action, n] of Object.entries(point.decisions_by_action ?? {}))
        decisions[action] = (decisions[action] ?? 0) + n;
      depth = Math.max(depth, point.queue_depth ?? 0);
      if (point.earliest_deadline_at) {
        const left = Math.max(0, (Date.parse(point.earliest_deadline_at) - Date.parse(point.at)) / 1000);
        secondsLeft = secondsLeft === null ? left : Math.min(secondsLeft, left);
      }
    }
    bars.push({
      start: new Date(group[0].at),
      minutes: (group.length * stepMs) / 60_000,
      decisions,
      depth,
      secondsLeft,
    });
  }
  return bars;
}

/** The unit a duration chart reads best in, from its largest value in seconds. */
export function durationUnit(maxSeconds) {
  if (maxSeconds >= 2 * 3600) return { unit: "h", seconds: 3600, name: "hours" };
  if (maxSeconds >= 120) return { unit: "min", seconds: 60, name: "minutes" };
  return { unit: "s", seconds: 1, name: "seconds" };
}
