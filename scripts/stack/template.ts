/**
 * Renders config templates: every `{{NAME}}` is replaced from the map; a placeholder that is not
 * in the map is an error (a typo must not silently become an empty value in a daemon's config).
 */
import { readFileSync } from 'node:fs';

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

export class TemplateError extends Error {
  constructor(readonly file: string, readonly missing: string[]) {
    super(`${file}: no value for placeholder(s) ${missing.map((m) => `{{${m}}}`).join(', ')}; `
      + 'add them to the variable map or fix the template');
    this.name = 'TemplateError';
  }
}

export function renderTemplate(text: string, vars: Readonly<Record<string, string | undefined>>, file = '<template>'): string {
  const missing = new Set<string>();
  const out = text.replace(PLACEHOLDER, (whole, name: string) => {
    const value = vars[name];
    if (value === undefined) {
      missing.add(name);
      return whole;
    }
    return value;
  });
  if (missing.size > 0) throw new TemplateError(file, [...missing]);
  return out;
}

export function renderTemplateFile(path: string, vars: Readonly<Record<string, string | undefined>>): string {
  return renderTemplate(readFileSync(path, 'utf8'), vars, path);
}

/** Placeholders a template uses, in order of first appearance. */
export function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}
