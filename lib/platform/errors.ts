/**
 * A bad input: names the input, its value and what is allowed, in one line. The CLI prints `message` alone
 * (no stack trace) and exits 2 before anything is written. A credential in a URL (`https://user:secret@host`)
 * is masked in the message.
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
    super(maskCredentials(`${input}: ${JSON.stringify(value)} is not valid; ${allowed}`));
    this.name = 'InputError';
  }
}

/**
 * Replaces the password of every `scheme://user:password@` in a text with `***` (and a token given as the user
 * alone, `scheme://token@`, keeps only its first 4 characters): no message may echo a credential.
 */
export function maskCredentials(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^\s/:@"']*):[^\s/@"']*@/gi, '$1:***@')
    .replace(/([a-z][a-z0-9+.-]*:\/\/)([^\s/:@"']{5,})@/gi, (_, scheme: string, user: string) => `${scheme}${user.slice(0, 4)}***@`);
}
