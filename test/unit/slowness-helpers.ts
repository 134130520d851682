/**
 * The slowness factor `npm test` measures once (scripts/slowness.mjs) and passes on in
 * DEPTH_LENS_SLOWNESS — 1 when a unit file runs on its own — clamped to 1–6 as the integration and UI
 * layers clamp it. Unit tests use it for hang guards and upper bounds, never for speed targets.
 */
export const SLOWNESS = Math.min(6, Math.max(1, Number(process.env.DEPTH_LENS_SLOWNESS) || 1));

/**
 * A bound tuned on an idle 2-core machine, scaled to this one, in whole milliseconds: child_process
 * refuses a fractional timeout (120 000 × 2.16 is 259200.00000000003 in float64).
 */
export function scaledMs(ms: number, factor = SLOWNESS): number {
  return Math.round(ms * factor);
}
