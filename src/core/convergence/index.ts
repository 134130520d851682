/** Convergence diagnostics as depth → ∞ (MATH.md §A, §B). */
export { analyzeConvergence, resolveProbes, tailBound, CONVERGENCE_DEFAULTS, ConvergenceParamsError } from './analyze';
export { fitPowerLaw, summability, extrapolatedTailSum, studentTQuantile, studentTCdf, FIT_METHOD } from './fit';
export { recordedDepths } from './depths';
export { AffineFamilyTerms, matrixNormOf, spectralNorm2x2, logAbsDet, scaleAt } from './terms';
export { DECAY_EXPONENT, COHERENT_FRACTION } from './verdicts';
export { fmt, fmtExponent } from './format';
export { widthPreservingRuns, defaultRun } from './runs';
