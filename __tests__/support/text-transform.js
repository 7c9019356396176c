// @ts-check
'use strict';
/**
 * jest transform for files the app imports as text (`import script from './x.sh'`): the module's default export
 * is the file's content, as esbuild's `text` loader makes it in the bundle (lib/constructs/scripts.ts).
 */
module.exports = {
  /** @param {string} source */
  process(source) {
    return { code: `module.exports = ${JSON.stringify(source)};\n` };
  },
};
