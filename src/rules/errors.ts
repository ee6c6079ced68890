/** Where a rules file is wrong, precisely enough for an operator to fix it without guessing. */
export class RulesLoadError extends Error {
  override readonly name = "RulesLoadError";
  readonly file: string;
  readonly line?: number;
  readonly ruleId?: string;
  readonly field?: string;
  /** The problem alone, without the location prefix. */
  readonly reason: string;

  constructor(opts: { file: string; reason: string; line?: number; ruleId?: string; field?: string }) {
    super(formatLocation(opts) + opts.reason);
    this.file = opts.file;
    this.reason = opts.reason;
    if (opts.line !== undefined) this.line = opts.line;
    if (opts.ruleId !== undefined) this.ruleId = opts.ruleId;
    if (opts.field !== undefined) this.field = opts.field;
  }
}

function formatLocation(opts: { file: string; line?: number; ruleId?: string; field?: string }): string {
  let out = opts.line !== undefined ? `${opts.file}:${opts.line}: ` : `${opts.file}: `;
  if (opts.ruleId !== undefined) out += `rule "${opts.ruleId}": `;
  if (opts.field !== undefined) out += `field "${opts.field}": `;
  return out;
}

/**
 * Thrown by validators with the path of the offending value inside the document; the loader
 * turns it into a RulesLoadError with the line number, which only it can compute.
 */
export class SpecError extends Error {
  readonly path: ReadonlyArray<string | number>;
  /** Point at the key of the last path element rather than at its value (unknown keys). */
  readonly atKey: boolean;

  constructor(path: ReadonlyArray<string | number>, message: string, atKey = false) {
    super(message);
    this.path = path;
    this.atKey = atKey;
  }
}
