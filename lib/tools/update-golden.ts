import * as fs from 'fs';
import { PLATFORM } from '../platform';
import { RELEASE_DIR } from '../inputs/release';
import { goldenPath, renderGolden, synthesizeGolden } from './golden';

// `npm run golden`: rewrites __tests__/golden/<env>.yaml. Review the diff before committing it.
for (const synth of synthesizeGolden(PLATFORM, RELEASE_DIR)) {
  const file = goldenPath(process.cwd(), synth.environment.name);
  fs.writeFileSync(file, renderGolden(synth));
  process.stdout.write(`${file}: ${synth.files.size} files\n`);
}
