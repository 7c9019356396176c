import * as fs from 'fs';
import * as path from 'path';
import { precompiledValidatorsSource, validatorFingerprint } from '../validation/schema-validator';

// Part of `npm run build`: compiles every known kind's schema validator ahead of time into
// .build/validators.js, unless the file there was already built from the same schemas and options.
const target = path.join(__dirname, 'validators.js');
const fingerprint = validatorFingerprint();
const current = fs.existsSync(target) && fs.readFileSync(target, 'utf8').endsWith(`module.exports.fingerprint = ${JSON.stringify(fingerprint)};\n`);
if (!current) {
  const temp = `${target}.tmp-${process.pid}`;
  fs.writeFileSync(temp, precompiledValidatorsSource());
  fs.renameSync(temp, target);
}
