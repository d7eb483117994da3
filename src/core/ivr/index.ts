/** IVR ("smart routing") flows: a pure interpreter driven by media events (see session.ts). */
export { IvrSession, DEFAULT_MAX_STEPS, IVR_FAILURE_CAUSE } from './session.js';
export type { IvrAction, IvrInput, IvrRouteTargetAction } from './types.js';
export { localTime, isValidTimeZone, WEEKDAYS } from './time.js';
export type { LocalTime, Weekday } from './time.js';
export { BUILTIN_VARIABLES, interpolate } from './text.js';
