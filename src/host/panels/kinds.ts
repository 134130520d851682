/** The analysis panels Depth Lens offers. */
import type { PanelKind } from './analysisPanel';

export const OVERVIEW_PANEL: PanelKind = { viewType: 'depthLens.overview', title: 'Network overview', entry: 'overview', needsDocument: true };
