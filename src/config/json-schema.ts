/**
 * The JSON Schema of one configuration file, for admins' editors (`pbx config
 * schema`): the sections of {@link ConfigSchema}, each optional, since a
 * configuration directory spreads them over several files. With the YAML
 * language server: `# yaml-language-server: $schema=./config.schema.json`
 * at the top of a file, or `yaml.schemas` in the editor's settings.
 */
import { ConfigSchema } from './schema.js';

export function configFileSchema(): Record<string, unknown> {
  // Through JSON: plain data, without TypeBox's symbols.
  const whole = JSON.parse(JSON.stringify(ConfigSchema)) as Record<string, unknown>;
  delete whole.required;
  optionalDefaults(whole);
  envReferences(whole);
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://contact-centre.local/config.schema.json',
    title: 'Contact centre configuration file',
    description: 'One YAML file of the configuration directory: any of its sections. `pbx config check DIR` checks the whole directory (references between files, duplicates).',
    ...whole,
  };
}

/** A field with a default may be left out (the loader fills it in): not required for an editor. */
function optionalDefaults(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(optionalDefaults);
  if (!node || typeof node !== 'object') return;
  const o = node as { required?: string[]; properties?: Record<string, { default?: unknown }> };
  if (o.required && o.properties) {
    o.required = o.required.filter((k) => o.properties![k]?.default === undefined);
    if (o.required.length === 0) delete o.required;
  }
  for (const v of Object.values(o)) optionalDefaults(v);
}

/** `${NAME}` or `${NAME:-default}`: the loader reads it from the environment. */
const ENV_REF = { type: 'string', pattern: '^\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}$' };

/** A number, boolean or one-of-a-list field may also be an environment reference. */
function envReferences(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(envReferences);
  if (!node || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  for (const key of ['properties', 'patternProperties']) {
    const map = o[key] as Record<string, Record<string, unknown>> | undefined;
    if (!map) continue;
    for (const [name, field] of Object.entries(map)) {
      const scalar = ['number', 'integer', 'boolean'].includes(field.type as string) || Array.isArray(field.enum) || (Array.isArray(field.anyOf) && (field.anyOf as { const?: unknown }[]).every((b) => 'const' in b));
      if (scalar) {
        const { description, default: dflt, ...rest } = field;
        map[name] = { ...(description !== undefined ? { description } : {}), ...(dflt !== undefined ? { default: dflt } : {}), anyOf: [rest, ENV_REF] };
      }
    }
  }
  for (const v of Object.values(o)) envReferences(v);
}
