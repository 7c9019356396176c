// jest testSequencer (package.json "jest.testSequencer"): the longest suites start first, so the workers end
// together instead of one worker starting a two-minute suite when the others are done. Jest's own sequencer
// orders by the durations it cached on an earlier run of this machine; a fresh clone (CI) has none, and jest
// then falls back to file size, which puts the slow behavioural suites (short files) last. Here a suite's
// weight is jest's cached duration where there is one, else the seconds below (measured on the 2-core
// machine, docs/testing.md "Test-suite speed"), else 0; failed suites of the last run still go first.
const Sequencer = require('@jest/test-sequencer').default;
const path = require('path');

/**
 * Seconds per suite (path under __tests__), measured with `jest --json` on the shared machine (under load: the
 * order is what counts); suites under 7 s are left out and run after these.
 */
const MEASURED = {
  'faults.test.ts': 93,
  'door.test.ts': 55,
  'output.test.ts': 44,
  'behaviour/backend.test.ts': 40,
  'behaviour/redis-cluster.test.ts': 35,
  'behaviour/scripts.test.ts': 32,
  'platform-ci.test.ts': 25,
  'diagrams.test.ts': 25,
  'redis-acl.test.ts': 22,
  'locality.test.ts': 17,
  'inputs.test.ts': 16,
  'diff.test.ts': 15,
  'behaviour/ingress-nginx.test.ts': 8,
  'error-policy.test.ts': 8,
  'apply-safety.test.ts': 8,
  'ordering.test.ts': 7,
};

class LongestFirst extends Sequencer {
  sort(tests) {
    const weight = (test) => this.time(test) ?? (MEASURED[path.relative(path.join(test.context.config.rootDir, '__tests__'), test.path).split(path.sep).join('/')] ?? 0) * 1000;
    const failed = (test) => (this.hasFailed(test) ? 1 : 0);
    for (const test of tests) test.duration = this.time(test);
    return [...tests].sort((a, b) => failed(b) - failed(a) || weight(b) - weight(a) || (a.path < b.path ? -1 : 1));
  }
}

module.exports = LongestFirst;
