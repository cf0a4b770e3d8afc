// One chart per meter in human units: bytes in KB/MB, counts as 1.2k, round axis maxima, and
// the figures (total and peak) in the chart's accessible name.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { MeterChart } from './MeterChart.js';
import { formatQuantity, niceMax } from './units.js';

describe('human units', () => {
  it('writes bytes in 1024 steps and counts in 1000 steps, short enough for a phone axis', () => {
    expect([formatQuantity(0, 'bytes'), formatQuantity(512, 'bytes'), formatQuantity(1536, 'bytes'), formatQuantity(1_500_000, 'bytes'), formatQuantity(5 * 1024 ** 3, 'bytes')])
      .toEqual(['0', '512 B', '1.5 KB', '1.4 MB', '5 GB']);
    expect([formatQuantity(7, 'requests'), formatQuantity(1200, 'requests'), formatQuantity(99_999, 'requests'), formatQuantity(3_400_000, 'seats')])
      .toEqual(['7', '1.2k', '100k', '3.4M']);
  });

  it('rounds the axis up to 1, 2 or 5 × 10^n (bytes: of a KB, MB …)', () => {
    expect([niceMax(0, 'x'), niceMax(7, 'x'), niceMax(130, 'x'), niceMax(4900, 'x')]).toEqual([1, 10, 200, 5000]);
    expect(niceMax(3 * 1024 * 1024, 'bytes')).toBe(5 * 1024 * 1024);
  });
});

describe('MeterChart', () => {
  it('labels its y axis in the meter unit and names total and peak', () => {
    const html = renderToStaticMarkup(createElement(MeterChart, { meter: 'storageBytes', unit: 'bytes', days: ['2026-11-01', '2026-11-02', '2026-11-03'], values: [1024, 3 * 1024 * 1024, 0] }));
    expect(html).toContain('aria-label="storageBytes per day, 2026-11-01 to 2026-11-03: total 3 MB, peak 3 MB"');
    const labels = [...html.matchAll(/class="chart-label">([^<]+)</g)].map((m) => m[1]);
    expect(labels).toEqual(expect.arrayContaining(['0', '2.5 MB', '5 MB', '11-01', '11-03', 'day']));
    // The read-out shows the last day until the pointer picks one.
    expect(html).toMatch(/2026-11-03: <strong>0<\/strong>/);
  });

  it('says there is no data instead of an empty chart', () => {
    expect(renderToStaticMarkup(createElement(MeterChart, { meter: 'apiCalls', unit: 'requests', days: [], values: [] }))).toContain('apiCalls: no data yet.');
  });
});
