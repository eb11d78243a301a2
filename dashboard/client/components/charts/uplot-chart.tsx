/** @jsxImportSource hono/jsx/dom */
/**
 * A uPlot chart in a hono/jsx/dom component: made once when the element is on the page, fed new data
 * with `setData` (no rebuild), sized to its container as that changes, destroyed when it leaves.
 * uPlot draws on a canvas and sets its own element styles through the CSSOM, which the dashboard's
 * Content-Security-Policy allows; its stylesheet is served with the dashboard's (dashboard/bundle.ts).
 */
import { useEffect, useRef } from 'hono/jsx/dom';
import uPlot from 'uplot';

export interface UplotChartProps {
  /** Everything but the size, which follows the container. Read once, when the chart is made. */
  options: Omit<uPlot.Options, 'width' | 'height'>;
  data: uPlot.AlignedData;
  height: number;
  /** The chart as words, for people who cannot see it (the canvas says nothing). */
  label: string;
  testid: string;
  /** Extra attributes tests and people read (totals, the latest value). */
  attrs?: Record<string, string | number>;
}

export function UplotChart(props: UplotChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const dataRef = useRef(props.data);
  dataRef.current = props.data;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const made = new uPlot({ ...props.options, width: Math.max(200, el.clientWidth), height: props.height }, dataRef.current, el);
    chart.current = made;
    const resize = new ResizeObserver(() => {
      const width = Math.max(200, el.clientWidth);
      if (width !== made.width) made.setSize({ width, height: props.height });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      made.destroy();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setData(props.data);
  }, [props.data]);

  return <div class="chart" ref={box} role="img" aria-label={props.label} data-testid={props.testid} {...(props.attrs ?? {})} />;
}
