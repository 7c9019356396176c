import * as fs from 'fs';
import * as path from 'path';
import { PrecompiledIndex, precompiledValidators, validatorFingerprint } from '../checks/schema-validator';

// Part of `npm run build` and `npm run synth`: compiles every known kind's schema validator ahead of time
// into .build/validators/ (one module per kind, see schema-validator.ts), unless the folder there was
// already built from the same schemas and options. The folder is built beside and swapped in whole, with
// index.json written last, so a reader never sees an index naming a module that is not there.
const target = path.join(__dirname, 'validators');
const fingerprint = validatorFingerprint();
let current = false;
try {
  current = (JSON.parse(fs.readFileSync(path.join(target, 'index.json'), 'utf8')) as PrecompiledIndex).fingerprint === fingerprint;
} catch {
  current = false;
}
if (!current) {
  const { index, files } = precompiledValidators();
  const temp = `${target}.tmp-${process.pid}`;
  fs.rmSync(temp, { recursive: true, force: true });
  fs.mkdirSync(temp, { recursive: true });
  for (const [name, source] of files) fs.writeFileSync(path.join(temp, name), source);
  fs.writeFileSync(path.join(temp, 'index.json'), `${JSON.stringify(index)}\n`);
  const old = `${target}.old-${process.pid}`;
  if (fs.existsSync(target)) fs.renameSync(target, old);
  fs.renameSync(temp, target);
  fs.rmSync(old, { recursive: true, force: true });
  // The single-module layout of earlier builds.
  for (const stale of ['validators.js', 'validators.js.cache']) fs.rmSync(path.join(__dirname, stale), { force: true });
}
