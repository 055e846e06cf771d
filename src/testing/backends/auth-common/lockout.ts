import { VaultError } from '../../core/vault-error';

/**
 * Vault's user lockout (vault/request_handling.go handleLoginRequest, since 1.13), which guards
 * the userpass, ldap and approle methods: five failed logins of one alias (the username, the
 * role_id) within fifteen minutes lock it out for fifteen minutes, the right password included.
 * Only a refusal the method marks as invalid credentials counts; a successful login clears the
 * count. Defaults from internalshared/configutil/userlockout.go.
 */
export const LOCKOUT_THRESHOLD = 5;
export const LOCKOUT_DURATION_MS = 15 * 60_000;
export const LOCKOUT_COUNTER_RESET_MS = 15 * 60_000;

interface FailedLogins {
  count: number;
  lastFailedAt: number;
}

export class LoginLockout {
  readonly #failed = new Map<string, FailedLogins>();

  /**
   * getLoginUserInfoKey: the core asks the method for the login's alias name first; without one
   * the login ends there (500, verbatim: login errors are not wrapped).
   */
  check(alias: string, now: number): void {
    if (alias === '') throw new VaultError(500, 'failed to determine alias name from login request');
    const entry = this.#failed.get(alias);
    if (entry && entry.count >= LOCKOUT_THRESHOLD && now - entry.lastFailedAt < LOCKOUT_DURATION_MS) {
      throw new VaultError(403, 'permission denied');
    }
  }

  /** failedUserLoginProcess: counts a failure, starting over once the counter-reset time has passed. */
  failed(alias: string, now: number): void {
    const entry = this.#failed.get(alias);
    const reset = !entry || now > entry.lastFailedAt + LOCKOUT_COUNTER_RESET_MS;
    this.#failed.set(alias, { count: reset ? 1 : entry.count + 1, lastFailedAt: now });
  }

  succeeded(alias: string): void {
    this.#failed.delete(alias);
  }

  /**
   * Runs a login under the lockout: refused while locked, counted when the method says the
   * credentials were wrong (`invalidCredentials`), cleared when it succeeds.
   */
  async guard<T>(alias: string, now: number, login: () => T | Promise<T>): Promise<T> {
    this.check(alias, now);
    try {
      const result = await login();
      this.succeeded(alias);
      return result;
    } catch (error) {
      if (error instanceof InvalidCredentials) this.failed(alias, now);
      throw error;
    }
  }
}

/** logical.ErrInvalidCredentials beside an error response: 400 with the method's words, and a lockout strike. */
export class InvalidCredentials extends VaultError {
  constructor(message: string) {
    super(400, message);
  }
}
