import { missingPrograms } from '../../lib/behaviour/pod-runner';
import { gate } from './support';

describe('behavioural tier gate', () => {
  it('finds a program that is not installed, by name or by path', () => {
    expect(missingPrograms(['no-such-program-bana', '/no/such/path'])).toEqual(expect.arrayContaining(['no-such-program-bana', '/no/such/path']));
  });

  it('runs with everything present, skips without in a workstation, fails without in CI', () => {
    expect(gate([], true)).toBe('run');
    expect(gate(['bwrap'], false)).toBe('skip');
    expect(gate(['bwrap'], true)).toBe('fail');
  });
});
