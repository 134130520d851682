/** Sizes above which the parser refuses a network (each with its own diagnostic, never a hang). */
export const LIMITS = {
  /** total number of layers (a residual block counts as one) */
  maxDepth: 10_000_000,
  /** width of any layer or of the input */
  maxWidth: 100_000,
  /** entries of one weight matrix that must be materialised (8 bytes each) */
  maxLayerParameters: 100_000_000,
  /** weights and biases held in memory at once (inline arrays and external files) */
  maxExplicitParameters: 250_000_000,
  /** layers in one residual branch */
  maxBranchLayers: 64,
} as const;
