/**
 * What kind of value was thrown, in words that are safe to print: never its message (an app's
 * error may quote a password) and never anything that could itself throw (`Object.create(null)`
 * has no toString, a Proxy may trap every access). The value itself travels as the error's cause.
 */
export function whatWasThrown(value: unknown): string {
  try {
    if (value instanceof Error) {
      const name =
        typeof value.name === 'string' && /^[\w$.-]{1,64}$/.test(value.name) ? value.name : 'Error';
      return `an error (${name})`;
    }
    if (value === null) return 'null';
    if (value === undefined) return 'undefined';
    return `a value of type ${typeof value}`;
  } catch {
    return 'a value that cannot be inspected';
  }
}

/** `String(value)` for values that may refuse it (no toString, a throwing one, a hostile Proxy). */
export function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return whatWasThrown(value);
  }
}
