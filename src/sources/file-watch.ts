import { type FSWatcher, statSync, watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Clock } from '../types/clock';

/**
 * Tells when files in one directory may have changed: `fs.watch` on the directory (not on the
 * files: the agent renames a new file over the old one, and a watch on the old inode would go
 * quiet), plus polling, which is what remains where watching is unreliable (some network and
 * overlay filesystems never report) and a safety net for events the kernel drops.
 */
export class DirectoryWatch {
  #watcher: FSWatcher | undefined;
  /** The inode of the directory being watched: a directory replaced under the same name is another. */
  #watchedIno: number | undefined;
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
      this.#watchedIno = statSync(this.dir).ino;
      this.#watcher = watch(this.dir, { persistent: false }, (_event, name) => {
        const file = name === null ? undefined : String(name);
        // inotify names the directory itself when it is removed or renamed away; the watcher is
        // then dead without an error, and a directory recreated there must be watched anew.
        if (file === basename(this.dir)) void this.#dropIfGone();
        this.onChange(file);
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

  async #dropIfGone(): Promise<void> {
    const ino = await stat(this.dir).then(
      (stats) => stats.ino,
      () => undefined,
    );
    if (ino !== undefined && ino === this.#watchedIno) return;
    this.#watcher?.close();
    this.#watcher = undefined;
    // Watch the new directory now if it is already there; otherwise the next poll does.
    if (ino !== undefined && !this.#closed) this.#startFsWatch();
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
