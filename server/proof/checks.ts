/**
 * One step of a verification, named so that the CLI can print each as it passes and `--json` can
 * list them. `detail` says what was found, in words, whether the step passed or not.
 */
export interface Check<Name extends string = string> {
  readonly name: Name;
  readonly ok: boolean;
  readonly detail: string;
}

/** The steps of one verification, in the order they ran; `ok` only when every step passed. */
export interface CheckReport<Name extends string = string> {
  readonly ok: boolean;
  readonly checks: readonly Check<Name>[];
}

export function check<Name extends string>(name: Name, ok: boolean, detail: string): Check<Name> {
  return { name, ok, detail };
}

export function allPassed(checks: readonly Check[]): boolean {
  return checks.length > 0 && checks.every((step) => step.ok);
}

/** "1 seal", "3 seals": counts in details read as words. */
export function plural(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : pluralNoun}`;
}
