/** The analysis panels Depth Lens offers. */
import type { PanelKind } from './analysisPanel';

export const OVERVIEW_PANEL: PanelKind = { viewType: 'depthLens.overview', title: 'Network overview', entry: 'overview', needsDocument: true };
export const ACTIVATIONS_PANEL: PanelKind = { viewType: 'depthLens.activations', title: 'Activations', entry: 'activations', needsDocument: true };
export const CONVERGENCE_PANEL: PanelKind = { viewType: 'depthLens.convergence', title: 'Convergence', entry: 'convergence', needsDocument: true };
/** random-network depth plots need no file; with a network file open they also show its probes' angles */
export const DEPTH_PLOTS_PANEL: PanelKind = { viewType: 'depthLens.depthPlots', title: 'Depth plots', entry: 'depthPlots', needsDocument: false };
/** the training experiments are synthetic; a network file's `training` section can preset them */
export const TRAINING_PANEL: PanelKind = { viewType: 'depthLens.training', title: 'Training', entry: 'training', needsDocument: false };
/** per-layer weight spectra (singular values, ESD against Marchenko–Pastur, power-law tail) */
export const SPECTRUM_PANEL: PanelKind = { viewType: 'depthLens.spectrum', title: 'Spectrum', entry: 'spectrum', needsDocument: true };
/** two networks side by side; opened by "Compare With…" (src/host/compare), never for a single document */
export const COMPARE_PANEL: PanelKind = { viewType: 'depthLens.compare', title: 'Compare', entry: 'compare', needsDocument: true };
