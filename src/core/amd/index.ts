/** Answering-machine detection: a pure streaming detector (see classifier.ts for the rules). */
export { AmdDetector } from './detector.js';
export type { AmdEvent, AmdVerdict } from './classifier.js';
export { defaultAmdParams, validateAmdParams, amdParamNames } from './params.js';
export type { AmdParams } from './params.js';
export { runAmd } from './run.js';
export type { AmdResult } from './run.js';
