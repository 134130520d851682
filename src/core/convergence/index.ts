/** Convergence diagnostics as depth → ∞ (MATH.md §A, §B). */
export { analyzeConvergence, checkConvergenceBudget, resolveProbes, tailBound, CONVERGENCE_DEFAULTS, ConvergenceParamsError } from './analyze';
export { fitPowerLaw, FIT_METHOD } from './fit';
export { studentTQuantile, studentTCdf, fQuantile, fCdf } from './stats';
export { decideSummability, dyadicBlocks, blockSums, trailingZeros, BOUNDARY_BAND, BERTRAND_BAND, HARMONIC_TOLERANCE } from './summability';
export { recordedDepths } from './depths';
export { AffineFamilyTerms, matrixNormOf, spectralNorm2x2, scaleAt } from './terms';
export { DECAY_EXPONENT, COHERENT_FRACTION, consistencyProblems } from './verdicts';
export { fmt, fmtExponent } from './format';
export { widthPreservingRuns, defaultRun } from './runs';
