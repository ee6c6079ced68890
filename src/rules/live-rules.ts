import { type FSWatcher, watch } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { builtInRuleSet } from "./builtin.ts";
import type { CompiledRuleSet } from "./evaluate.ts";
import { loadRuleSetFile } from "./load.ts";

/** The subset of a pino logger the rules need. */
export interface RulesLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What put a rule set in force: the service starting, SIGHUP, or a change to its files. */
export type ActivationTrigger = "start" | "sighup" | "file_change";

/** Told of every rule set that goes into force (the first one, then each changed reload). */
export type ActivationListener = (ruleset: CompiledRuleSet, trigger: ActivationTrigger) => void;

export type ReloadResult = { ok: true; changed: boolean; version: string } | { ok: false; error: string };

const silentLogger: RulesLogger = { info() {}, warn() {}, error() {} };

/** Editors save in bursts (truncate, write, rename); one reload per burst is enough. */
const WATCH_DEBOUNCE_MS = 150;

/**
 * The rule set in force, replaceable at run time. A reload that fails (unreadable file, invalid
 * rules) keeps the previous rules running and records why in `lastError` and the log.
 */
export class LiveRuleSet {
  private active: CompiledRuleSet;
  private failure: string | null = null;
  private watchers: FSWatcher[] = [];
  private debounce: NodeJS.Timeout | undefined;
  private watchedKey = "";
  private readonly activationListeners: ActivationListener[] = [];

  /**
   * `file` undefined means the built-in rules. The first load throws RulesLoadError: a service
   * must not start on rules it cannot read.
   */
  constructor(
    readonly file: string | undefined,
    private readonly logger: RulesLogger = silentLogger,
  ) {
    this.active = file === undefined ? builtInRuleSet() : loadRuleSetFile(file);
    logger.info({ rules_version: this.active.version, rules_source: this.active.source }, "rules loaded");
  }

  get current(): CompiledRuleSet {
    return this.active;
  }

  /**
   * Reads the warm-up texts with the rules in force (CompiledRuleSet.warmUp); rules a reload
   * brings are warmed before they take over. A service calls it once its start-up is done.
   */
  warmUp(): void {
    this.active.warmUp();
  }

  /** Why the last reload failed; null once a reload succeeds. */
  get lastError(): string | null {
    return this.failure;
  }

  /**
   * Calls `listener` with the rules in force now (as started) and with every later change. A
   * reload to the same content is no change.
   */
  onActivated(listener: ActivationListener): void {
    this.activationListeners.push(listener);
    listener(this.active, "start");
  }

  reload(trigger: Exclude<ActivationTrigger, "start"> = "sighup"): ReloadResult {
    if (this.file === undefined) return { ok: true, changed: false, version: this.active.version };
    try {
      const next = loadRuleSetFile(this.file);
      const changed = next.version !== this.active.version;
      // New rules are warmed before they serve: the first long messages they read stay cheap.
      if (changed) next.warmUp();
      this.active = next;
      this.failure = null;
      if (changed) {
        this.logger.info(
          { rules_version: next.version, rules_source: next.source, trigger },
          "rules reloaded",
        );
        for (const listener of this.activationListeners) listener(next, trigger);
      }
      return { ok: true, changed, version: next.version };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.failure = reason;
      this.logger.error(
        { rules_version: this.active.version, rules_source: this.file, err: reason },
        "rules reload failed; keeping the previous rules",
      );
      return { ok: false, error: reason };
    }
  }

  /**
   * Reloads when the rules file or one of its term list files changes. Directories are watched,
   * not files: editors and config-map updates replace a file by renaming, which would orphan a
   * watch on the file itself. `onEvent` is called after each reload (tests and metrics).
   */
  watchFile(onEvent?: (result: ReloadResult) => void): void {
    if (this.file === undefined) return;
    this.onReload = onEvent;
    this.watchDependencies();
  }

  private onReload: ((result: ReloadResult) => void) | undefined;

  /** (Re)creates one watcher per directory holding the rules file or a list file. */
  private watchDependencies(): void {
    if (this.file === undefined) return;
    const files = [resolve(this.file), ...this.active.listFiles];
    const byDirectory = new Map<string, Set<string>>();
    for (const file of files) {
      const names = byDirectory.get(dirname(file)) ?? new Set<string>();
      names.add(basename(file));
      byDirectory.set(dirname(file), names);
    }
    const key = [...byDirectory].map(([dir, names]) => `${dir}:${[...names].sort().join(",")}`).join("|");
    if (key === this.watchedKey) return;
    this.closeWatchers();
    this.watchedKey = key;
    for (const [directory, names] of byDirectory) {
      try {
        const watcher = watch(directory, { persistent: false }, (_event, changed) => {
          if (changed !== null && !names.has(changed.toString())) return;
          this.scheduleReload();
        });
        watcher.on("error", (error) => this.logger.warn({ err: String(error) }, "rules file watch failed"));
        this.watchers.push(watcher);
      } catch (error) {
        this.logger.warn(
          { err: String(error), directory },
          "cannot watch the rules files; reload with SIGHUP",
        );
      }
    }
  }

  private scheduleReload(): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      const result = this.reload("file_change");
      // The new rules may read other list files.
      if (result.ok) this.watchDependencies();
      this.onReload?.(result);
    }, WATCH_DEBOUNCE_MS);
  }

  private closeWatchers(): void {
    for (const watcher of this.watchers) watcher.close();
    this.watchers = [];
    this.watchedKey = "";
  }

  /** Starts watching the rules files (SIGHUP is wired by the caller to `reload()`). */
  watch(): void {
    this.watchFile();
  }

  close(): void {
    clearTimeout(this.debounce);
    this.closeWatchers();
    this.onReload = undefined;
  }
}
