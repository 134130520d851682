/** Sizes above which the parser refuses a network (each with its own diagnostic, never a hang). */
export const LIMITS = {
  /** total number of layers (a residual block counts as one) */
  maxDepth: 10_000_000,
  /** width of any layer or of the input */
  maxWidth: 100_000,
  /** entries of one weight matrix, or of all branch matrices of one residual block, that must be materialised (8 bytes each) */
  maxLayerParameters: 100_000_000,
  /** weights and biases held in memory at once (inline arrays and external files) */
  maxExplicitParameters: 250_000_000,
  /**
   * weights and biases of all layers together, generated ones included: a forward pass touches each once,
   * so this bounds the work of every analysis (10¹⁰ multiply-adds is minutes, not years)
   */
  maxTotalParameters: 10_000_000_000,
  /** layers in one residual branch */
  maxBranchLayers: 64,
  /** diagnostics listed per file; the rest are counted in one summary diagnostic */
  maxDiagnostics: 1000,
  /** nesting of JSON arrays and objects (a network file needs fewer than 10) */
  maxNesting: 1000,
} as const;

/**
 * Default size limit for network files (MB), shared by the editor (setting depthLens.maxFileSizeMB,
 * whose default in package.json must match) and the CLI (--max-size-mb).
 */
export const DEFAULT_MAX_FILE_SIZE_MB = 64;

/** A byte count for messages: "512 bytes", "12.5 KB", "1.5 MB" (1 KB = 1024 bytes). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} byte${bytes === 1 ? '' : 's'}`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  return `${(bytes / (1024 * 1024 * 1024)).toFixed(2)} GB`;
}

/** "12.5 MB, above the limit of 10.0 MB", with exact byte counts when the rounded sizes look equal. */
export function sizeAboveLimit(bytes: number, limit: number): string {
  const a = formatBytes(bytes), b = formatBytes(limit);
  return a === b ? `${bytes} bytes, above the limit of ${limit} bytes (${b})` : `${a}, above the limit of ${b}`;
}
