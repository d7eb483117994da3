/** Shared by the IVR tests: the loader's ajv settings, the schema's example flow, and a driver. */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { Type } from '@sinclair/typebox';
import { IvrFlowSchema, type IvrFlow } from '../../../src/config/ivr-schema.js';
import { IvrSession } from '../../../src/core/ivr/session.js';
import type { IvrAction, IvrInput } from '../../../src/core/ivr/types.js';

// The same options as src/config/load.ts.
const ajv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: true, strict: false, verbose: true });
export const validateIvrSection = ajv.compile(Type.Object({ ivr: Type.Record(Type.String(), IvrFlowSchema) }));

/** The example YAML in the doc comment at the top of ivr-schema.ts. */
export function exampleYaml(): string {
  const src = readFileSync(new URL('../../../src/config/ivr-schema.ts', import.meta.url), 'utf8');
  const lines = src.split('\n');
  const start = lines.findIndex((l) => l.trim() === '* ```yaml');
  const end = lines.findIndex((l, i) => i > start && l.trim() === '* ```');
  if (start < 0 || end < 0) throw new Error('no ```yaml block in ivr-schema.ts');
  return lines
    .slice(start + 1, end)
    .map((l) => l.replace(/^ \* ?/, ''))
    .join('\n');
}

export function exampleFlows(): Record<string, IvrFlow> {
  const doc = parse(exampleYaml()) as { ivr: Record<string, IvrFlow> };
  if (!validateIvrSection(doc)) throw new Error(JSON.stringify(validateIvrSection.errors));
  return doc.ivr;
}

export const START: IvrInput = { type: 'start', now: Date.UTC(2026, 0, 5, 10, 0), caller: '+33100000001', did: '+15550100' };

/** Feeds inputs one by one; returns every action and the batches. */
export function drive(s: IvrSession, inputs: IvrInput[]): { actions: IvrAction[]; batches: IvrAction[][] } {
  const batches = inputs.map((i) => s.handle(i));
  return { actions: batches.flat(), batches };
}

/** The actions without traces. */
export function visible(actions: IvrAction[]): IvrAction[] {
  return actions.filter((a) => a.type !== 'trace');
}

export function routes(actions: IvrAction[]): Extract<IvrAction, { type: 'route' }>[] {
  return actions.filter((a): a is Extract<IvrAction, { type: 'route' }> => a.type === 'route');
}

export function flow(entry: string, steps: IvrFlow['steps'], extra: Partial<IvrFlow> = {}): IvrFlow {
  return { entry, steps, ...extra };
}
