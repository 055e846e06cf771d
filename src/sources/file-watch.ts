import { type FSWatcher, watch } from 'node:fs';
import type { Clock } from '../types/clock';

/**
 * Tells when files in one directory may have changed: `fs.watch` on the directory (not on the
 * files: the agent renames a new file over the old one, and a watch on the old inode would go
 * quiet), plus polling, which is what remains where watching is unreliable (some network and
 * overlay filesystems never report) and a safety net for events the kernel drops.
 */
export class DirectoryWatch {
  #watcher: FSWatcher | undefined;
  #poll: unknown;
  #closed = false;

  constructor(
    private readonly dir: string,
    private readonly options: { clock: Clock; pollIntervalMs: number; useFsWatch: boolean },
    /** A file name, or undefined when the platform did not say which file changed. */
    private readonly onChange: (name: string | undefined) => void,
  ) {}

  start(): void {
    if (this.options.useFsWatch) this.#startFsWatch();
    this.#schedulePoll();
  }

  close(): void {
    this.#closed = true;
    this.#watcher?.close();
    this.#watcher = undefined;
    if (this.#poll !== undefined) this.options.clock.clearTimeout(this.#poll);
    this.#poll = undefined;
  }

  #startFsWatch(): void {
    try {
      this.#watcher = watch(this.dir, { persistent: false }, (_event, name) => {
        this.onChange(name === null ? undefined : String(name));
      });
      // A watcher that errors (the directory removed, too many watches) leaves polling in charge.
      this.#watcher.on('error', () => {
        this.#watcher?.close();
        this.#watcher = undefined;
      });
    } catch {
      // The directory does not exist yet, or watching is not supported here: polling covers it.
      this.#watcher = undefined;
    }
  }

  #schedulePoll(): void {
    if (this.#closed) return;
    this.#poll = this.options.clock.setTimeout(() => {
      // The directory may have appeared since: try watching again.
      if (this.options.useFsWatch && !this.#watcher) this.#startFsWatch();
      this.onChange(undefined);
      this.#schedulePoll();
    }, this.options.pollIntervalMs);
  }
}
