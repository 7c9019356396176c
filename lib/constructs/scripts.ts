/**
 * Scripts that run in containers live as `.sh` files beside the construct that ships them, so editors,
 * shellcheck (__tests__/scripts.test.ts) and reviewers read them as shell. They are imported as text (esbuild's
 * `text` loader, a jest transform, `declare module '*.sh'` for tsc) and filled in here at synth.
 *
 * A value goes in through a named placeholder `@NAME@` (upper case, digits, `_`), written where the value
 * stands in the script. Every placeholder needs a value and every value a placeholder: a script and its
 * construct that disagree are a bug, found at synth rather than in a running container.
 *
 * A line holding only a shellcheck directive (`# shellcheck disable=...`) speaks to the linter, not to the
 * container: it is dropped, so the shipped script holds what the container runs.
 */

/** The values of a script's placeholders, by name (`PORT` fills `@PORT@`). */
export type ScriptValues = Readonly<Record<string, string | number>>;

const PLACEHOLDER = /@([A-Z][A-Z0-9_]*)@/g;
const DIRECTIVE_LINE = /^# shellcheck [^\n]*\n/gm;

/** The script `template` (the text of `file`) with every placeholder replaced by its value. */
export function renderScript(file: string, template: string, values: ScriptValues = {}): string {
  const used = new Set<string>();
  const text = template.replace(DIRECTIVE_LINE, '').replace(PLACEHOLDER, (_, name: string) => {
    if (!Object.prototype.hasOwnProperty.call(values, name)) {
      throw new Error(`script ${file}: placeholder @${name}@ has no value (given: ${Object.keys(values).join(', ') || 'none'})`);
    }
    used.add(name);
    return String(values[name]);
  });
  const unused = Object.keys(values).filter((name) => !used.has(name));
  if (unused.length > 0) {
    throw new Error(`script ${file}: value(s) ${unused.join(', ')} fill no placeholder`);
  }
  return text;
}

/**
 * A one-line script for `sh -c` or an exec probe: rendered as `renderScript` does, without the file's final
 * newline. A script of more than one line belongs in a file the container runs, not in a command.
 */
export function renderCommand(file: string, template: string, values: ScriptValues = {}): string {
  const text = renderScript(file, template, values);
  const line = text.endsWith('\n') ? text.slice(0, -1) : text;
  if (line.includes('\n')) {
    throw new Error(`script ${file}: a command must be one line; it has ${line.split('\n').length}`);
  }
  return line;
}
