export { loadSynthesizedFunction } from './load-synthesized-function';
export type { InvokeOptions, LoadSynthesizedFunctionOptions, SynthesizedFunction } from './load-synthesized-function';
export type { InvokeResult, LambdaError } from './invoke';
export { synth } from './synth';
export type { SynthOptions } from './synth';
export type { MigrationsFunctionRole } from './template-function';
