/**
 * Loads a directory of YAML files into one validated {@link Config}.
 *
 * Never throws for bad input: every problem comes back as a {@link ConfigError}
 * naming the file, line and field, so that `pbx config check` and the reloader
 * can report all of them at once and the running configuration stays in force.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { isMap, isPair, isScalar, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import { ConfigSchema, KEYED_SECTIONS, SINGLE_SECTIONS, type Config, type Target } from './schema.js';
import { validateAmdParams } from '../core/amd/params.js';
import { SourceGuard } from '../core/security/source-guard.js';
import { TollGuard } from '../core/security/toll-guard.js';
import { isValidTimeZone } from '../core/ivr/time.js';
import { tollPolicy } from '../app/policy.js';
import { validateIvrFlows } from './ivr-check.js';
import { validateScript, type Script } from '../core/script/script.js';
import { suggest } from './suggest.js';

export interface ConfigError {
  file: string;
  line: number;
  column: number;
  /** Dotted path of the field, e.g. `queues.support.offerTimeoutSec`. */
  field: string;
  message: string;
}

export type LoadResult = { ok: true; config: Config; files: string[] } | { ok: false; errors: ConfigError[] };

export function formatConfigError(e: ConfigError): string {
  return `${e.file}:${e.line}:${e.column}: ${e.field || '(file)'}: ${e.message}`;
}

interface Source {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

// coerceTypes: values that came from ${ENV} substitution are strings, "8080" must still be a port.
const ajv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: true, strict: false, verbose: true });
const validate = ajv.compile(ConfigSchema);

/** `${NAME}` or `${NAME:-default}` inside a string value reads the environment. */
const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export async function loadConfigDir(dir: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadResult> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort();
  } catch (err) {
    return { ok: false, errors: [{ file: dir, line: 0, column: 0, field: '', message: `cannot read directory: ${(err as Error).message}` }] };
  }
  if (names.length === 0) {
    return { ok: false, errors: [{ file: dir, line: 0, column: 0, field: '', message: 'no .yaml files in directory' }] };
  }
  const texts = await Promise.all(names.map(async (n) => ({ file: path.join(dir, n), text: await readFile(path.join(dir, n), 'utf8') })));
  return parseConfigTexts(texts, env);
}

/** The pure part of loading: texts in, config or errors out. */
export function parseConfigTexts(texts: { file: string; text: string }[], env: NodeJS.ProcessEnv = {}): LoadResult {
  const errors: ConfigError[] = [];
  const merged: Record<string, unknown> = {};
  // Which file a top-level section (or a keyed entry, "queues/support") came from.
  const origin = new Map<string, Source>();

  for (const { file, text } of texts) {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const src: Source = { file, doc, lines };
    if (doc.errors.length > 0) {
      for (const e of doc.errors) errors.push({ file, ...pos(src, e.pos[0]), field: '', message: e.message.split('\n')[0] ?? e.message });
      continue;
    }
    substituteEnv(src, env, errors);
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      errors.push({ file, line: 1, column: 1, field: '', message: 'a config file must be a mapping of sections' });
      continue;
    }
    for (const [section, body] of Object.entries(value as Record<string, unknown>)) {
      if ((KEYED_SECTIONS as readonly string[]).includes(section)) {
        if (body === null) continue;
        if (typeof body !== 'object' || Array.isArray(body)) {
          errors.push({ file, ...nodePos(src, [section]), field: section, message: 'must be a mapping of entries by id' });
          continue;
        }
        const target = (merged[section] ??= {}) as Record<string, unknown>;
        for (const [key, entry] of Object.entries(body as Record<string, unknown>)) {
          const prior = origin.get(`${section}/${key}`);
          if (prior) {
            errors.push({ file, ...nodePos(src, [section, key]), field: `${section}.${key}`, message: `already defined in ${prior.file}:${nodePos(prior, [section, key]).line}` });
            continue;
          }
          origin.set(`${section}/${key}`, src);
          target[key] = entry;
        }
      } else {
        const prior = origin.get(section);
        if (prior && (SINGLE_SECTIONS as readonly string[]).includes(section)) {
          errors.push({ file, ...nodePos(src, [section]), field: section, message: `section already defined in ${prior.file}:${nodePos(prior, [section]).line}` });
          continue;
        }
        origin.set(section, src);
        merged[section] = body;
      }
    }
  }
  if (errors.length > 0) return { ok: false, errors };

  const fallback = texts.length > 0 ? origin.values().next().value : undefined;
  const locate = (segments: string[]): Source | undefined =>
    origin.get(`${segments[0]}/${segments[1]}`) ?? origin.get(segments[0] ?? '') ?? fallback;

  if (!validate(merged)) {
    for (const { field, message } of ajvProblems(validate.errors ?? [])) {
      const src = locate(field);
      errors.push({ file: src?.file ?? '(config)', ...(src ? nodePos(src, field) : { line: 0, column: 0 }), field: field.join('.'), message });
    }
    return { ok: false, errors };
  }
  const config = merged as Config;
  errors.push(...crossCheck(config, locate));
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, config, files: texts.map((t) => t.file) };
}

/** References between sections: queue members, number routes, unique extensions and SIP users. */
function crossCheck(config: Config, locate: (segments: string[]) => Source | undefined): ConfigError[] {
  const errors: ConfigError[] = [];
  const at = (field: string[], message: string) => {
    const src = locate(field);
    errors.push({ file: src?.file ?? '(config)', ...(src ? nodePos(src, field) : { line: 0, column: 0 }), field: field.join('.'), message });
  };
  const e = config.external;
  const patternsOk = (['allow', 'deny'] as const).every((list) =>
    e[list].every((re, i) => {
      try {
        new RegExp(re);
        return true;
      } catch (err) {
        at(['external', list, String(i)], `not a regular expression: ${(err as Error).message}`);
        return false;
      }
    }),
  );
  if (!isValidTimeZone(e.timeZone)) at(['external', 'timeZone'], `unknown time zone "${e.timeZone}"`);
  if (!isValidTimeZone(config.reports.timeZone)) at(['reports', 'timeZone'], `unknown time zone "${config.reports.timeZone}"`);
  const toll = patternsOk && isValidTimeZone(e.timeZone) ? new TollGuard(tollPolicy(config)) : undefined;
  const checkTarget = (path: string[], t: Target | undefined) => {
    if (!t) return;
    if ('queue' in t && !config.queues[t.queue]) at([...path, 'queue'], `no queue "${t.queue}" is defined`);
    if ('agent' in t && !config.agents[t.agent]) at([...path, 'agent'], `no agent "${t.agent}" is defined`);
    if ('voicemail' in t && !config.voicemail[t.voicemail]) at([...path, 'voicemail'], `no voicemail box "${t.voicemail}" is defined`);
    if ('number' in t) {
      const trunk = t.trunk ?? Object.keys(config.trunks)[0];
      if (!trunk || !config.trunks[trunk]) at([...path, t.trunk ? 'trunk' : 'number'], t.trunk ? `no trunk "${t.trunk}" is defined` : 'calls to external numbers need a trunk (trunks section)');
      const verdict = toll?.classify(t.number);
      if (verdict && !verdict.ok) at([...path, 'number'], `${verdict.detail}: refused by the external section's rules (list it under external.allow to permit it)`);
    }
    if ('ivr' in t && !config.ivr[t.ivr]) at([...path, 'ivr'], `no IVR flow "${t.ivr}" is defined`);
  };
  const checkClient = (path: string[], c: string | undefined) => {
    if (c !== undefined && !config.clients[c]) at(path, `no client "${c}" is defined`);
  };
  for (const [qid, q] of Object.entries(config.queues)) {
    q.members.forEach((m, i) => {
      const id = typeof m === 'string' ? m : m.agent;
      if (!config.agents[id]) at(['queues', qid, 'members', String(i), ...(typeof m === 'string' ? [] : ['agent'])], `no agent "${id}" is defined`);
    });
    checkTarget(['queues', qid, 'overflow'], q.overflow);
    checkClient(['queues', qid, 'client'], q.client);
    if (q.script !== undefined && !config.scripts[q.script]) at(['queues', qid, 'script'], `no script "${q.script}" is defined`);
    const codes = new Set<string>();
    q.dispositions?.codes.forEach((d, i) => {
      if (codes.has(d.code)) at(['queues', qid, 'dispositions', 'codes', String(i), 'code'], `disposition code "${d.code}" is listed twice`);
      codes.add(d.code);
    });
  }
  for (const [qid, q] of Object.entries(config.queues)) {
    if (q.transcription === 'post-call' && q.recording === 'off') at(['queues', qid, 'transcription'], 'post-call transcripts are made from recordings, and this queue\'s recording is off (use live, or record)');
  }
  for (const [bid, b] of Object.entries(config.voicemail)) {
    if (b.queue !== undefined && !config.queues[b.queue]) at(['voicemail', bid, 'queue'], `no queue "${b.queue}" is defined`);
    b.agents.forEach((a, i) => {
      if (!config.agents[a]) at(['voicemail', bid, 'agents', String(i)], `no agent "${a}" is defined`);
    });
    if (b.email.length > 0 && !config.email) at(['voicemail', bid, 'email'], 'e-mail needs the email section (from and smtp)');
  }
  if (config.transcription.engine === 'server' && !config.transcription.url) at(['transcription', 'url'], 'engine: server needs the url of the transcription server');
  for (const [num, n] of Object.entries(config.numbers)) {
    checkTarget(['numbers', num, 'route'], n.route);
    checkClient(['numbers', num, 'client'], n.client);
  }
  for (const [aid, a] of Object.entries(config.agents)) {
    checkTarget(['agents', aid, 'fallback'], a.fallback);
    a.clients.forEach((c, i) => checkClient(['agents', aid, 'clients', String(i)], c));
    a.supervises.forEach((q, i) => {
      if (!config.queues[q]) at(['agents', aid, 'supervises', String(i)], `no queue "${q}" is defined`);
    });
  }
  const seen = new Map<string, string>();
  for (const [aid, a] of Object.entries(config.agents)) {
    for (const [kind, value] of [['extension', a.extension], ['sip.username', a.sip.username]] as const) {
      const prior = seen.get(`${kind}:${value}`);
      if (prior) at(['agents', aid, ...kind.split('.')], `${kind} "${value}" is also used by agent "${prior}"`);
      else seen.set(`${kind}:${value}`, aid);
    }
  }
  for (const [name, script] of Object.entries(config.scripts)) for (const p of validateScript(script as Script)) at(['scripts', name, ...p.path], p.message);
  const ivrProblems = validateIvrFlows(config.ivr, {
    queues: new Set(Object.keys(config.queues)),
    agents: new Set(Object.keys(config.agents)),
    voicemailBoxes: new Set(Object.keys(config.voicemail)),
  });
  for (const p of ivrProblems) at(p.path, p.message);
  for (const [name, params] of Object.entries(config.amdProfiles)) {
    for (const problem of validateAmdParams(params)) {
      const key = problem.split(':')[0]!;
      at(['amdProfiles', name, ...(key in params ? [key] : [])], problem.slice(key.length + 1).trim() || problem);
    }
  }
  const r = config.sip.registration;
  if (r.minExpires > r.maxExpires) at(['sip', 'registration', 'minExpires'], 'must not exceed maxExpires');
  config.sip.security.allow.forEach((entry, i) => {
    if (!SourceGuard.isAddressOrCidr(entry)) at(['sip', 'security', 'allow', String(i)], `"${entry}" is not an IP address or CIDR (like 192.168.0.0/16)`);
  });
  return errors;
}

function substituteEnv(src: Source, env: NodeJS.ProcessEnv, errors: ConfigError[]): void {
  visit(src.doc, {
    Scalar(_key, node, path) {
      if (typeof node.value !== 'string' || !node.value.includes('${')) return;
      // IVR flows interpolate their own call variables (${caller}, ${account}); the environment stays out.
      const top = path[2];
      if (isPair(top) && isScalar(top.key) && top.key.value === 'ivr') return;
      node.value = node.value.replace(ENV_REF, (whole, name: string, def: string | undefined) => {
        const v = env[name];
        if (v !== undefined && v !== '') return v;
        if (def !== undefined) return def;
        errors.push({ file: src.file, ...pos(src, node.range?.[0] ?? 0), field: '', message: `environment variable ${name} is not set (referenced as ${whole})` });
        return '';
      });
    },
  });
}

/** Where a field is: its value node, else its key, else the nearest ancestor that exists. */
function nodePos(src: Source, segments: string[]): { line: number; column: number } {
  for (let n = segments.length; n >= 0; n--) {
    const parent = n > 0 ? (src.doc.getIn(segments.slice(0, n - 1), true) as Node | undefined) : undefined;
    if (n > 0 && isMap(parent)) {
      const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === segments[n - 1]);
      if (pair && isScalar(pair.key) && pair.key.range) return pos(src, pair.key.range[0]);
    }
    const node = src.doc.getIn(segments.slice(0, n), true) as Node | undefined;
    if (node && node.range) return pos(src, node.range[0]);
  }
  return { line: 1, column: 1 };
}

function pos(src: Source, offset: number): { line: number; column: number } {
  const p = src.lines.linePos(offset);
  return { line: p.line, column: p.col };
}

function unescapePointer(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Ajv's errors as fields (path segments, the missing or unknown one included) with a message a person reads; one per problem. */
export function ajvProblems(errs: ErrorObject[]): { field: string[]; message: string }[] {
  return simplifyAjvErrors(errs).map((e) => {
    const segments = e.instancePath.split('/').slice(1).map(unescapePointer);
    if (e.keyword === 'additionalProperties') {
      const extra = String((e.params as { additionalProperty: string }).additionalProperty);
      return { field: [...segments, extra], message: `unknown field "${extra}"${suggest(extra, Object.keys((e.parentSchema as { properties?: object }).properties ?? {}))}` };
    }
    if (e.keyword === 'required') return { field: [...segments, String((e.params as { missingProperty: string }).missingProperty)], message: 'is required' };
    return { field: segments, message: e.keyword === 'anyOf' ? describeAnyOf(e.schema) : (e.message ?? 'is invalid') };
  });
}

/** anyOf failures come with one error per branch; keep only the anyOf itself. */
function simplifyAjvErrors(errs: ErrorObject[]): ErrorObject[] {
  const anyOfPaths = errs.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath);
  // if/then: the failing 'then' errors say what is wrong; the 'if' error itself says nothing.
  errs = errs.filter((e) => e.keyword !== 'if');
  const kept = errs.filter(
    (e) => e.keyword === 'anyOf' || !anyOfPaths.some((p) => e.instancePath === p || e.instancePath.startsWith(`${p}/`)),
  );
  const seen = new Set<string>();
  return kept.filter((e) => {
    const k = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function describeAnyOf(schema: unknown): string {
  if (!Array.isArray(schema)) return 'is not one of the allowed forms';
  const consts = schema.map((s: { const?: unknown }) => s.const);
  if (consts.every((c) => c !== undefined)) return `must be one of: ${consts.join(', ')}`;
  const forms = schema.map((s: { properties?: object }) => Object.keys(s.properties ?? {}).join('/'));
  return `must be a mapping with exactly one of: ${forms.join(', ')}`;
}

