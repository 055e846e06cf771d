// Runs a CommonJS library's timers on a ManualClock without touching the process's globals.
//
// Peers such as node-vault schedule their renewals with the global setTimeout, so 24 simulated
// hours would take 24 real ones. Replacing globalThis.setTimeout is not an option here: the mock
// Vault, undici, axios and the ManualClock itself (its stall guard) share this process and need
// real timers. Instead, the library's own files are compiled with `setTimeout`, `clearTimeout`
// and `Date` as function parameters (vm.compileFunction, the same wrapper shape Node uses for
// CommonJS), so only code inside `scope` sees the clock; its dependencies outside `scope` (axios,
// request, lodash) load through the ordinary require and keep real timers.
//
//   const timers = clockTimers(mock.clock);
//   const nodeVault = requireScoped(require.resolve('node-vault'), timers.globals, (f) => f.includes('/node-vault/src/'));
//
// The ManualClock waits for a fired timer's callback to settle before it moves time on. A
// library's callback returns nothing and starts a request, so the wrapped callback instead
// resolves when that work has visibly ended: the library arms its next timer (a renewal that
// succeeded re-schedules itself) or the caller reports the end with `workDone()` (an event such
// as node-vault's 'lease:expired', after which no timer is armed), or after `capMs` of real time.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { compileFunction } from 'node:vm';

/** Timers and a Date whose "now" is `clock.now()`, for code loaded with `requireScoped`. */
export function clockTimers(clock, { capMs = 5000 } = {}) {
  let waiters = [];
  const stats = { armed: 0, fired: 0, capped: 0 };
  const wake = () => {
    const woken = waiters;
    waiters = [];
    for (const resolve of woken) resolve();
  };
  const realSetTimeout = globalThis.setTimeout;
  const realClearTimeout = globalThis.clearTimeout;

  function setTimeout(callback, ms, ...args) {
    // A new timer from the library: whatever the previous callback started has reached its end.
    wake();
    stats.armed++;
    return clock.setTimeout(() => {
      stats.fired++;
      const done = new Promise((resolve) => waiters.push(resolve));
      callback(...args);
      let cap;
      const capped = new Promise((resolve) => {
        cap = realSetTimeout(() => {
          stats.capped++;
          resolve();
        }, capMs);
      });
      return Promise.race([done, capped]).finally(() => realClearTimeout(cap));
    }, ms);
  }
  function clearTimeout(handle) {
    clock.clearTimeout(handle);
  }

  const RealDate = globalThis.Date;
  class ClockDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(clock.now());
      else super(...args);
    }
    static now() {
      return clock.now();
    }
  }

  return {
    globals: { setTimeout, clearTimeout, Date: ClockDate },
    /** Call when work a fired timer started has ended without arming a new timer. */
    workDone: wake,
    /** Timers armed and fired through the clock, and callbacks that hit the real-time cap. */
    stats,
  };
}

/**
 * Loads the CommonJS module `entry` (an absolute path) so that every file for which `inScope(path)`
 * holds sees `globals` (name -> value) in place of the globals of those names. Files outside the
 * scope, JSON and built-ins go through the ordinary require. Each call gets fresh module instances.
 */
export function requireScoped(entry, globals, inScope) {
  const names = Object.keys(globals);
  const values = names.map((name) => globals[name]);
  const loaded = new Map();
  const load = (file) => {
    const cached = loaded.get(file);
    if (cached) return cached.exports;
    const module = { id: file, filename: file, exports: {}, loaded: false };
    loaded.set(file, module);
    const ordinary = createRequire(file);
    const scopedRequire = (specifier) => {
      const resolved = ordinary.resolve(specifier);
      return resolved.endsWith('.js') && inScope(resolved) ? load(resolved) : ordinary(specifier);
    };
    scopedRequire.resolve = ordinary.resolve;
    scopedRequire.cache = ordinary.cache;
    const wrapper = compileFunction(
      readFileSync(file, 'utf8'),
      ['exports', 'require', 'module', '__filename', '__dirname', ...names],
      { filename: file },
    );
    wrapper.call(module.exports, module.exports, scopedRequire, module, file, dirname(file), ...values);
    module.loaded = true;
    return module.exports;
  };
  return load(entry);
}
