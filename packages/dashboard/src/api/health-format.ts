// How health figures read on screen: the server answers null where there is nothing to measure
// (no requests in the window, no limits), which is "—", not 0.
import type { HealthWindow } from './types.js';

export const formatP95 = (p95Ms: number | null): string => (p95Ms === null ? '—' : `${Math.round(p95Ms)} ms`);
export const formatPressure = (pressure: number | null): string => (pressure === null ? '—' : `${Math.round(pressure * 100)} %`);
export const formatWindow = (window: HealthWindow): string => `last ${window.minutes} min`;
