/**
 * A small Prometheus text-format registry: counters and gauges with labels, a histogram,
 * and gauges computed at scrape time. Enough for /metrics without another dependency.
 */
type Labels = Record<string, string>;

function labelText(labels: Labels): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${k}="${labels[k].replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}

interface Family {
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  render: () => string[];
}

export class Counter {
  private values = new Map<string, number>();

  /** `maxSeries`: beyond this many label sets, increments go to `{overflow="true"}` (bounded memory). */
  constructor(private maxSeries = 10_000) {}

  inc(labels: Labels = {}, by = 1): void {
    let key = labelText(labels);
    if (!this.values.has(key) && this.values.size >= this.maxSeries) key = '{overflow="true"}';
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }

  get(labels: Labels = {}): number {
    return this.values.get(labelText(labels)) ?? 0;
  }

  /** label text -> value, e.g. for the panel's refusal counts */
  entries(): [string, number][] {
    return [...this.values.entries()];
  }

  render(name: string): string[] {
    return [...this.values.entries()].map(([l, v]) => `${name}${l} ${v}`);
  }
}

export class Histogram {
  private counts: number[];
  private sum = 0;
  private count = 0;

  constructor(private buckets: number[]) {
    this.counts = buckets.map(() => 0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) this.counts[i]++;
  }

  render(name: string): string[] {
    const lines = this.buckets.map((b, i) => `${name}_bucket{le="${b}"} ${this.counts[i]}`);
    lines.push(`${name}_bucket{le="+Inf"} ${this.count}`, `${name}_sum ${this.sum}`, `${name}_count ${this.count}`);
    return lines;
  }
}

export class Metrics {
  private families = new Map<string, Family>();

  counter(name: string, help: string): Counter {
    const c = new Counter();
    this.families.set(name, { help, type: 'counter', render: () => c.render(name) });
    return c;
  }

  histogram(name: string, help: string, buckets: number[]): Histogram {
    const h = new Histogram(buckets);
    this.families.set(name, { help, type: 'histogram', render: () => h.render(name) });
    return h;
  }

  /** A gauge read when scraped; `read` returns [labels, value] pairs. */
  gauge(name: string, help: string, read: () => [Labels, number][]): void {
    this.families.set(name, {
      help,
      type: 'gauge',
      render: () => read().map(([l, v]) => `${name}${labelText(l)} ${v}`),
    });
  }

  render(): string {
    const out: string[] = [];
    for (const [name, f] of this.families) {
      out.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`);
      try {
        out.push(...f.render());
      } catch {
        // a gauge whose source is closed (shutdown) is left out rather than failing the scrape
      }
    }
    return `${out.join('\n')}\n`;
  }
}
