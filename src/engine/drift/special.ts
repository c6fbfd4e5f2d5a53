/**
 * The special functions the drift tests need, in one import:
 * gamma family (`gamma.ts`) and the Kolmogorov-Smirnov distributions (`kolmogorov.ts`).
 */
export {
  lgamma,
  logFactorial,
  stirlingError,
  gammaP,
  gammaQ,
  chi2Sf,
  erf,
  erfc,
  normalCdf,
  normalSf,
  normalTwoSided,
} from './gamma.ts';
export { kolmogorovSf, kolmogorovCdf, smirnovSf, kstwoSf, kstwoCdf } from './kolmogorov.ts';
