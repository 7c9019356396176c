import { removeTempDirs } from './helpers';

// Each test file removes the folders it made with `tempDir` once its tests are done (global-teardown.ts fails the
// run if anything is still in the run's temp folder).
afterAll(removeTempDirs);
