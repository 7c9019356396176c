/**
 * A bad input: names the input, its value and what is allowed, in one line. The CLI prints `message` alone
 * (no stack trace) and exits non-zero before anything is written.
 */
export class InputError extends Error {
  constructor(
    /** Which input: `--tag`, `NX_REGISTRY`, `release file lib/platform/releases/production.yaml`, `service 'sale'`. */
    public readonly input: string,
    /** The offending value, as given. */
    public readonly value: unknown,
    /** What would have been accepted. */
    public readonly allowed: string,
  ) {
    super(`${input}: ${JSON.stringify(value)} is not valid; ${allowed}`);
    this.name = 'InputError';
  }
}
