/**
 * Quality gates (engine layer, no vscode): declared checks from mlops.yaml, run over data files,
 * pipeline stage outputs, run metrics and drift reports; JUnit and Markdown reports for CI.
 */
export type * from './types.ts';
export { loadChecks, selectChecks } from './config.ts';
export { runChecks, exitCodeOf } from './runner.ts';
export type { CheckServices, RunChecksOptions } from './runner.ts';
export type { MetricSet, ProductionLookup, ProductionModel, RunLookup } from './metrics.ts';
export { needsRuns, openCheckServices, productionFrom } from './services.ts';
export type { OpenedServices } from './services.ts';
export { junitReport, junitConfigError, xmlEscape } from './junit.ts';
export { markdownReport, markdownConfigError, mdEscape } from './markdown.ts';
export type { MarkdownLinks } from './markdown.ts';
export { ciLinks, gitRoot } from './ciLinks.ts';
