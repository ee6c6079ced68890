/**
 * A small Prometheus registry: counters, gauges and histograms with labels, rendered in the text
 * exposition format (version 0.0.4). Enough for this service, with no dependency to keep current.
 */

type Labels = Record<string, string>;

const escapeLabelValue = (value: string) =>
  value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');

const escapeHelp = (text: string) => text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");

function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return "";
  return `{${entries.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(",")}}`;
}

/**
 * Same labels in any order are one series. Called on every observation (several per hook), so it
 * builds a plain string instead of sorting and serialising entry arrays.
 */
function seriesKey(labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length > 1) names.sort();
  let key = "";
  for (const name of names) key += `${name}\u0000${labels[name]}\u0001`;
  return key;
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

interface Metric {
  readonly name: string;
  render(): string[];
}

abstract class LabelledMetric<T> implements Metric {
  protected readonly series = new Map<string, { labels: Labels; value: T }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: "counter" | "gauge" | "histogram",
  ) {}

  protected entry(labels: Labels, initial: () => T): { labels: Labels; value: T } {
    const key = seriesKey(labels);
    let found = this.series.get(key);
    if (!found) {
      found = { labels: { ...labels }, value: initial() };
      this.series.set(key, found);
    }
    return found;
  }

  render(): string[] {
    return [
      `# HELP ${this.name} ${escapeHelp(this.help)}`,
      `# TYPE ${this.name} ${this.type}`,
      ...this.samples(),
    ];
  }

  protected abstract samples(): string[];
}

export class Counter extends LabelledMetric<number> {
  constructor(name: string, help: string) {
    super(name, help, "counter");
  }

  inc(labels: Labels = {}, by = 1): void {
    if (by < 0) throw new Error(`counter ${this.name} cannot go down (inc by ${by})`);
    this.entry(labels, () => 0).value += by;
  }

  get(labels: Labels = {}): number {
    return this.series.get(seriesKey(labels))?.value ?? 0;
  }

  protected samples(): string[] {
    return [...this.series.values()].map(
      (s) => `${this.name}${labelText(s.labels)} ${formatNumber(s.value)}`,
    );
  }
}

export class Gauge extends LabelledMetric<number> {
  constructor(name: string, help: string) {
    super(name, help, "gauge");
  }

  set(value: number, labels: Labels = {}): void {
    this.entry(labels, () => 0).value = value;
  }

  get(labels: Labels = {}): number | undefined {
    return this.series.get(seriesKey(labels))?.value;
  }

  protected samples(): string[] {
    return [...this.series.values()].map(
      (s) => `${this.name}${labelText(s.labels)} ${formatNumber(s.value)}`,
    );
  }
}

interface HistogramState {
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram extends LabelledMetric<HistogramState> {
  readonly buckets: readonly number[];

  constructor(name: string, help: string, buckets: readonly number[]) {
    super(name, help, "histogram");
    this.buckets = [...buckets].sort((a, b) => a - b);
  }

  observe(value: number, labels: Labels = {}): void {
    const state = this.entry(labels, () => ({ counts: this.buckets.map(() => 0), sum: 0, count: 0 })).value;
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) state.counts[i]! += 1;
    state.sum += value;
    state.count += 1;
  }

  count(labels: Labels = {}): number {
    return this.series.get(seriesKey(labels))?.value.count ?? 0;
  }

  protected samples(): string[] {
    const lines: string[] = [];
    for (const { labels, value } of this.series.values()) {
      this.buckets.forEach((bound, i) => {
        lines.push(
          `${this.name}_bucket${labelText({ ...labels, le: formatNumber(bound) })} ${value.counts[i]}`,
        );
      });
      lines.push(`${this.name}_bucket${labelText({ ...labels, le: "+Inf" })} ${value.count}`);
      lines.push(`${this.name}_sum${labelText(labels)} ${formatNumber(value.sum)}`);
      lines.push(`${this.name}_count${labelText(labels)} ${value.count}`);
    }
    return lines;
  }
}

export class Registry {
  private readonly metrics = new Map<string, Metric>();
  private readonly collectors: (() => Promise<void>)[] = [];

  counter(name: string, help: string): Counter {
    return this.register(new Counter(name, help));
  }

  gauge(name: string, help: string): Gauge {
    return this.register(new Gauge(name, help));
  }

  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
    return this.register(new Histogram(name, help, buckets));
  }

  /** Runs before each render: for values read at scrape time (e.g. the queue depth). */
  onCollect(collect: () => Promise<void>): void {
    this.collectors.push(collect);
  }

  async render(): Promise<string> {
    await Promise.all(this.collectors.map((collect) => collect()));
    return `${[...this.metrics.values()].flatMap((metric) => metric.render()).join("\n")}\n`;
  }

  private register<M extends Metric>(metric: M): M {
    if (this.metrics.has(metric.name)) throw new Error(`metric ${metric.name} is registered twice`);
    this.metrics.set(metric.name, metric);
    return metric;
  }
}

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
