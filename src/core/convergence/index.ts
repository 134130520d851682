/** Convergence diagnostics as depth → ∞ (MATH.md §A, §B). */
export { analyzeConvergence, resolveProbes, tailBound, CONVERGENCE_DEFAULTS } from './analyze';
export { fitPowerLaw, summability, extrapolatedTailSum, studentTQuantile, studentTCdf, FIT_METHOD } from './fit';
export { recordedDepths } from './depths';
export { AffineFamilyTerms, matrixNormOf, spectralNorm2x2, logAbsDet, scaleAt } from './terms';
export { DECAY_EXPONENT, DET_COLLAPSE } from './verdicts';
