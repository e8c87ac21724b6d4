// Reads a Prometheus text exposition with a real parser (parse-prometheus-text-format), for the exporter's tests.
import { createRequire } from 'node:module';

export interface Sample {
  readonly labels?: Record<string, string>;
  readonly value?: string;
  readonly buckets?: Record<string, string>;
  readonly count?: string;
  readonly sum?: string;
}

export interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly metrics: Sample[];
}

const parse = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => Family[];

/**
 * Families by name. The parser mixes up the buckets of a histogram with labels (1.1.1), so histograms are read as
 * untyped samples: `NAME_bucket`, `NAME_sum` and `NAME_count` come back as families of their own (with `le` a label),
 * and `types` keeps the declared TYPE of every family.
 */
export function parseExposition(text: string): Map<string, Family> & { types: Map<string, string> } {
  const types = new Map<string, string>();
  const untyped = text.replace(/^# TYPE (\S+) (\S+)$/gm, (_, name: string, type: string) => {
    types.set(name, type);
    return type === 'histogram' ? `# TYPE ${name} untyped` : `# TYPE ${name} ${type}`;
  });
  const families = new Map<string, Family>() as Map<string, Family> & { types: Map<string, string> };
  for (const f of parse(untyped)) {
    const seen = families.get(f.name);
    families.set(f.name, seen === undefined ? f : { ...seen, metrics: [...seen.metrics, ...f.metrics] });
  }
  families.types = types;
  return families;
}

function matches(sample: Sample, labels: Record<string, string>): boolean {
  return Object.entries(labels).every(([k, v]) => sample.labels?.[k] === v);
}

/** The samples of `name` whose labels include `labels`. */
export function samples(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): Sample[] {
  return (families.get(name)?.metrics ?? []).filter((s) => matches(s, labels));
}

/** The one value of `name` with exactly these labels included; undefined when there is no such series. */
export function value(families: Map<string, Family>, name: string, labels: Record<string, string>): number | undefined {
  const found = samples(families, name, labels);
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)}: ${found.length} series`);
  return found[0]?.value === undefined ? undefined : Number(found[0].value);
}
