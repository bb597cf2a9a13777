// The overview's per-day series drawn by uPlot (canvas, ~50 KB, no dependencies, maintained),
// with the same figures in a table below it for screen readers and keyboard users.

import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { Formats } from './format';

export type Series = { label: string; color: string; values: number[] };

export function DayChart({ days, series, label, formats }: { days: string[]; series: Series[]; label: string; formats: Formats }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el || !days.length) return undefined;
    const xs = days.map((d) => Date.parse(d + 'T00:00:00Z') / 1000);
    const width = () => Math.max(260, el.clientWidth);
    const plot = new uPlot({
      width: width(),
      height: 220,
      // Days are the program's calendar days already: drawn as UTC so no zone shifts them.
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'UTC'),
      legend: { show: true, live: false },
      cursor: { show: true, drag: { x: false, y: false } },
      axes: [
        { values: (_u, ticks) => ticks.map((t) => formats.shortDay(new Date(t * 1000).toISOString().slice(0, 10))), space: 70 },
        { values: (_u, ticks) => ticks.map((t) => formats.points(t)), size: 60 },
      ],
      series: [
        {},
        ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, value: (_u: uPlot, v: number | null) => formats.points(v) })),
      ],
    }, [xs, ...series.map((s) => s.values)], el);
    const canvas = el.querySelector('canvas');
    if (canvas) canvas.setAttribute('aria-hidden', 'true');
    const resize = () => plot.setSize({ width: width(), height: 220 });
    window.addEventListener('resize', resize);
    return () => { window.removeEventListener('resize', resize); plot.destroy(); };
  }, [days.join(','), series.map((s) => s.values.join(',')).join(';')]);
  return <div class="chart" ref={box} role="img" aria-label={label} />;
}
