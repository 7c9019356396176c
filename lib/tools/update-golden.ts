import * as fs from 'fs';
import { PLATFORM } from '../platform';
import { goldenPath, renderGolden, synthesizeGolden } from './golden';

// `npm run golden`: rewrites __tests__/golden/<env>.yaml. Review the diff before committing it.
for (const synth of synthesizeGolden(PLATFORM, 'lib/platform/releases')) {
  const file = goldenPath(process.cwd(), synth.environment.name);
  fs.writeFileSync(file, renderGolden(synth));
  process.stdout.write(`${file}: ${synth.files.size} files\n`);
}
