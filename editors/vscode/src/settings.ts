// The extension's settings as the server reads them: VS Code's camelCase keys under
// `fastapi-lint.*` become the `[tool.fastapi-lint]` keys the server takes in
// `initializationOptions` and `workspace/didChangeConfiguration`. No `vscode` import here, so
// the mapping runs under the Node test runner.

/** Reads one setting below `fastapi-lint.` (e.g. `select`, `trace.server`). */
export type SettingReader = (key: string) => unknown;

/** The JSON object the server receives: `select`, `ignore`, rule option tables, … */
export type ServerSettings = Record<string, unknown>;

export interface Mapped {
  settings: ServerSettings;
  /** Settings that were dropped because their value has the wrong shape. */
  problems: string[];
}

/** Code lists: VS Code key → server key. `null` (the default) leaves the project's value. */
const CODE_LISTS: ReadonlyArray<readonly [string, string]> = [
  ["select", "select"],
  ["ignore", "ignore"],
  ["extendSelect", "extend-select"],
  ["exclude", "exclude"],
  ["extendExclude", "extend-exclude"],
];

/** Keys the server reads itself; a rule options entry must not shadow them. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set([
  ...CODE_LISTS.map(([, server]) => server),
  "extend-ignore",
  "per-file-ignores",
  "respect-gitignore",
  "debounce-ms",
  "fix-on-save",
  "docs-url",
]);

/** Settings whose change needs a new server process rather than a configuration update. */
export const RESTART_KEYS: readonly string[] = ["path", "interpreter", "trace.server"];

/** Maps the extension's settings to the server's. Keys the user left at their empty default
 * are omitted, so the project's `[tool.fastapi-lint]` keeps deciding them. */
export function serverSettings(read: SettingReader): Mapped {
  const settings: ServerSettings = {};
  const problems: string[] = [];
  for (const [key, serverKey] of CODE_LISTS) {
    const value = read(key);
    if (value === undefined || value === null) {
      continue;
    }
    if (!isStringList(value)) {
      problems.push(`fastapi-lint.${key} must be a list of strings`);
      continue;
    }
    // an empty `select` is a choice (no rules); an empty list elsewhere adds nothing
    if (value.length > 0 || key === "select" || key === "exclude") {
      settings[serverKey] = [...value];
    }
  }
  const perFile = read("perFileIgnores");
  if (perFile !== undefined && perFile !== null) {
    if (isObject(perFile) && Object.values(perFile).every(isStringList)) {
      if (Object.keys(perFile).length > 0) {
        settings["per-file-ignores"] = { ...perFile };
      }
    } else {
      problems.push("fastapi-lint.perFileIgnores must map glob patterns to lists of codes");
    }
  }
  mapRuleOptions(read("ruleOptions"), settings, problems);
  const fixOnSave = read("fixOnSave");
  if (typeof fixOnSave === "boolean") {
    settings["fix-on-save"] = fixOnSave;
  } else if (fixOnSave !== undefined && fixOnSave !== null) {
    problems.push("fastapi-lint.fixOnSave must be true or false");
  }
  const debounce = read("debounceMs");
  if (typeof debounce === "number" && Number.isInteger(debounce) && debounce >= 0) {
    settings["debounce-ms"] = debounce;
  } else if (debounce !== undefined && debounce !== null) {
    problems.push("fastapi-lint.debounceMs must be a non-negative integer");
  }
  const docsUrl = read("docsUrl");
  if (typeof docsUrl === "string" && docsUrl !== "") {
    settings["docs-url"] = docsUrl;
  } else if (docsUrl !== undefined && docsUrl !== null && docsUrl !== "") {
    problems.push("fastapi-lint.docsUrl must be a string");
  }
  return { settings, problems };
}

/** Rule option tables go to the top level, by rule name, as in `[tool.fastapi-lint]`. */
function mapRuleOptions(value: unknown, settings: ServerSettings, problems: string[]): void {
  if (value === undefined || value === null) {
    return;
  }
  if (!isObject(value)) {
    problems.push("fastapi-lint.ruleOptions must be an object of rule name → options");
    return;
  }
  for (const [rule, options] of Object.entries(value)) {
    if (RESERVED_KEYS.has(rule)) {
      problems.push(`fastapi-lint.ruleOptions: \`${rule}\` is not a rule name`);
    } else if (!isObject(options)) {
      problems.push(`fastapi-lint.ruleOptions.${rule} must be an object of options`);
    } else {
      settings[rule] = { ...options };
    }
  }
}

/** Whether a change to these `fastapi-lint.*` keys needs the server restarted. */
export function needsRestart(affected: (key: string) => boolean): boolean {
  return RESTART_KEYS.some((key) => affected(key));
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
