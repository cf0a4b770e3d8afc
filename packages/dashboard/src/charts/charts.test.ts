// The SVG charts rendered to markup: bars scale to the largest value, lines span the whole
// width, the figures are in the accessible name, and no data reads as such (not an empty SVG).
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { BarChart } from './BarChart.js';
import { LineChart } from './LineChart.js';
import { UsageMeter } from './UsageMeter.js';

const widths = (html: string) => [...html.matchAll(/<rect[^>]*width="([\d.]+)"/g)].map((m) => Number(m[1]));

describe('BarChart', () => {
  it('scales bars to the largest value and names every figure', () => {
    const html = renderToStaticMarkup(createElement(BarChart, { title: 'By plan', bars: [{ label: 'free', value: 10 }, { label: 'pro', value: 5 }, { label: 'none', value: 0 }] }));
    const [free, pro, none] = widths(html);
    expect(pro).toBeCloseTo((free ?? 0) / 2, 5);
    expect(none).toBe(2); // still visible as a sliver
    expect(html).toContain('aria-label="By plan: free 10, pro 5, none 0"');
  });

  it('says there is no data instead of drawing nothing', () => {
    expect(renderToStaticMarkup(createElement(BarChart, { title: 'By plan', bars: [] }))).toContain('By plan: no data yet.');
  });
});

describe('LineChart', () => {
  it('draws each series from the left edge to the right edge, peak at the top', () => {
    const html = renderToStaticMarkup(createElement(LineChart, { title: 'Growth', labels: ['d1', 'd2', 'd3'], series: [{ name: 'created', values: [0, 4, 2] }, { name: 'churned', values: [1, 0, 0] }] }));
    const lines = [...html.matchAll(/points="([^"]+)"/g)].map((m) => (m[1] ?? '').split(' ').map((p) => p.split(',').map(Number)));
    expect(lines).toHaveLength(2);
    const created = lines[0] ?? [];
    expect(created[0]?.[0]).toBe(36);
    expect(created[2]?.[0]).toBe(472);
    expect(created[1]?.[1]).toBe(8); // the peak touches the top padding
    expect(html).toContain('created total 6');
    expect(html).toContain('<li>');
  });
});

describe('UsageMeter', () => {
  it('shows used against the limit and flags a soft limit passed', () => {
    const html = renderToStaticMarkup(createElement(UsageMeter, { meter: { meter: 'api_calls', used: 900, limit: 1000, softLimit: 800, unit: 'calls' } }));
    expect(html).toMatch(/<meter[^>]*max="1000"[^>]*value="900"/);
    expect(html).toContain('over the soft limit');
    const unlimited = renderToStaticMarkup(createElement(UsageMeter, { meter: { meter: 'seats', used: 3, limit: null, softLimit: null, unit: 'seats' } }));
    expect(unlimited).toContain('unlimited');
    expect(unlimited).not.toContain('<meter');
  });

  // It said "over the soft limit" for a meter past its hard limit too.
  it('says a meter is over its hard limit, not its soft one, once it passed both', () => {
    const html = renderToStaticMarkup(createElement(UsageMeter, { meter: { meter: 'seats', used: 12, limit: 10, softLimit: 8, unit: 'seats' } }));
    expect(html).toContain('over the limit');
    expect(html).not.toContain('soft limit');
    expect(renderToStaticMarkup(createElement(UsageMeter, { meter: { meter: 'seats', used: 10, limit: 10, softLimit: 8, unit: 'seats' } }))).toContain('at the limit');
  });
});
