// jest testSequencer (package.json "jest.testSequencer"): the longest suites start first, so the workers end
// together instead of one worker starting a two-minute suite when the others are done. Jest's own sequencer
// orders by the durations it cached on an earlier run of this machine; a fresh clone (CI) has none, and jest
// then falls back to file size, which puts the slow behavioural suites (short files) last. Here a suite's
// weight is jest's cached duration where there is one, else the seconds below (measured on the 2-core
// machine, docs/testing.md "Test-suite speed"), else 0; failed suites of the last run still go first.
const Sequencer = require('@jest/test-sequencer').default;
const path = require('path');

/**
 * Seconds per suite (path under __tests__), measured alone in band (`jest -i`, one suite after the other, the
 * shared machine at load 4-8: the order is what counts, docs/testing.md "Test-suite speed"); suites under 7 s
 * are left out and run after these.
 */
const MEASURED = {
  'faults.test.ts': 50,
  'door.test.ts': 50,
  'platform-ci.test.ts': 40,
  'synth-launcher.test.ts': 36,
  'behaviour/backend.test.ts': 25,
  'inputs.test.ts': 25,
  'behaviour/redis-cluster.test.ts': 24,
  'diagrams.test.ts': 20,
  'ordering.test.ts': 19,
  'output.test.ts': 18,
  'redis-acl.test.ts': 17,
  'diff.test.ts': 14,
  'behaviour/scripts.test.ts': 10,
  'locality.test.ts': 8,
  'behaviour/ingress-nginx.test.ts': 8,
  'error-policy.test.ts': 8,
  'apply-safety.test.ts': 8,
  'loader.test.ts': 3,
  'validator-cache.test.ts': 2,
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
