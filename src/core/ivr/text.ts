/** Variable interpolation and the regular expressions flows use. */

/** Variables every call has, read-only: the caller's number and the number dialled. */
export const BUILTIN_VARIABLES = ['caller', 'did'] as const;

const REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Replaces each `${name}` with `lookup(name)` (an unknown name becomes ''). */
export function interpolate(template: string, lookup: (name: string) => string | undefined): string {
  if (!template.includes('${')) return template;
  return template.replace(REF, (_whole, name: string) => lookup(name) ?? '');
}

/** The variable names a template refers to, in order of appearance. */
export function referencedVariables(template: string): string[] {
  return [...template.matchAll(REF)].map((m) => m[1]!);
}

/**
 * A pattern from the configuration, compiled to match a whole value: `[0-9]{6}`
 * accepts exactly six digits, and `9.*` anything that starts with 9.
 * Throws SyntaxError for an invalid pattern.
 */
export function wholeMatch(pattern: string): RegExp {
  new RegExp(pattern); // on its own first, so that "a)|(b" cannot escape the anchors
  return new RegExp(`^(?:${pattern})$`);
}

/** The reason a pattern does not compile, or undefined if it does. */
export function patternError(pattern: string): string | undefined {
  try {
    wholeMatch(pattern);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
