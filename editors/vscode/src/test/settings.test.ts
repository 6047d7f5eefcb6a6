import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { needsRestart, RESTART_KEYS, serverSettings, SettingReader } from "../settings";

/** A reader over a plain object of `fastapi-lint.*` settings (keys without the prefix). */
function reader(values: Record<string, unknown>): SettingReader {
  return (key) => values[key];
}

/** VS Code's defaults for every contributed setting, read from package.json. */
function contributedDefaults(): Record<string, unknown> {
  const manifest = JSON.parse(
    readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8"),
  ) as { contributes: { configuration: { properties: Record<string, { default: unknown }> } } };
  const defaults: Record<string, unknown> = {};
  for (const [key, property] of Object.entries(manifest.contributes.configuration.properties)) {
    defaults[key.replace(/^fastapi-lint\./, "")] = property.default;
  }
  return defaults;
}

const FULL = {
  select: ["FAS1", "FAS601"],
  ignore: ["FAS102"],
  extendSelect: ["FAS7"],
  exclude: ["migrations/*"],
  extendExclude: ["generated/*"],
  perFileIgnores: { "tests/*": ["FAS6"] },
  ruleOptions: { "fat-route": { "max-statements": 20 }, "hardcoded-secret": { "extra-names": ["pin"] } },
  fixOnSave: true,
  debounceMs: 300,
  docsUrl: "https://example.org/rules/{code}.md",
};

const FULL_MAPPED = {
  select: ["FAS1", "FAS601"],
  ignore: ["FAS102"],
  "extend-select": ["FAS7"],
  exclude: ["migrations/*"],
  "extend-exclude": ["generated/*"],
  "per-file-ignores": { "tests/*": ["FAS6"] },
  "fat-route": { "max-statements": 20 },
  "hardcoded-secret": { "extra-names": ["pin"] },
  "fix-on-save": true,
  "debounce-ms": 300,
  "docs-url": "https://example.org/rules/{code}.md",
};

describe("serverSettings", () => {
  it("maps every setting to the server's [tool.fastapi-lint] keys", () => {
    assert.deepEqual(serverSettings(reader(FULL)), { settings: FULL_MAPPED, problems: [] });
  });

  it("leaves the project's choices alone under VS Code's defaults", () => {
    const mapped = serverSettings(reader(contributedDefaults()));
    assert.deepEqual(mapped.problems, []);
    // the server's own defaults, nothing that overrides [tool.fastapi-lint]
    assert.deepEqual(mapped.settings, { "fix-on-save": false, "debounce-ms": 150 });
  });

  it("sends an explicit empty select, which turns every rule off", () => {
    assert.deepEqual(serverSettings(reader({ select: [] })).settings, { select: [] });
  });

  it("omits empty lists that would add nothing", () => {
    const mapped = serverSettings(reader({ ignore: [], extendSelect: [], perFileIgnores: {} }));
    assert.deepEqual(mapped.settings, {});
  });

  it("drops values of the wrong shape and names them", () => {
    const mapped = serverSettings(
      reader({
        select: "FAS1",
        ignore: [1],
        perFileIgnores: { "tests/*": "FAS6" },
        ruleOptions: { "fat-route": 20, select: {}, "hardcoded-secret": { "extra-names": ["x"] } },
        fixOnSave: "yes",
        debounceMs: -1,
        docsUrl: 3,
      }),
    );
    assert.deepEqual(mapped.settings, { "hardcoded-secret": { "extra-names": ["x"] } });
    assert.deepEqual(mapped.problems, [
      "fastapi-lint.select must be a list of strings",
      "fastapi-lint.ignore must be a list of strings",
      "fastapi-lint.perFileIgnores must map glob patterns to lists of codes",
      "fastapi-lint.ruleOptions.fat-route must be an object of options",
      "fastapi-lint.ruleOptions: `select` is not a rule name",
      "fastapi-lint.fixOnSave must be true or false",
      "fastapi-lint.debounceMs must be a non-negative integer",
      "fastapi-lint.docsUrl must be a string",
    ]);
  });

  it("rejects a fractional debounce", () => {
    assert.deepEqual(serverSettings(reader({ debounceMs: 1.5 })).problems, [
      "fastapi-lint.debounceMs must be a non-negative integer",
    ]);
  });

  it("copies the lists it sends, so later edits of the settings object do not leak", () => {
    const select = ["FAS1"];
    const mapped = serverSettings(reader({ select }));
    select.push("FAS2");
    assert.deepEqual(mapped.settings.select, ["FAS1"]);
  });

  it("reads every contributed setting, except those that only choose the process", () => {
    const defaults = contributedDefaults();
    for (const key of Object.keys(defaults)) {
      if (RESTART_KEYS.includes(key)) {
        continue;
      }
      const sample = key in FULL ? FULL[key as keyof typeof FULL] : undefined;
      assert.notEqual(sample, undefined, `no sample value for fastapi-lint.${key}`);
      const mapped = serverSettings(reader({ [key]: sample }));
      assert.notDeepEqual(mapped.settings, {}, `fastapi-lint.${key} is not sent to the server`);
    }
  });
});

describe("needsRestart", () => {
  it("restarts for the executable, the interpreter and tracing only", () => {
    assert.equal(needsRestart((key) => key === "interpreter"), true);
    assert.equal(needsRestart((key) => key === "path"), true);
    assert.equal(needsRestart((key) => key === "trace.server"), true);
    assert.equal(needsRestart((key) => key === "select"), false);
  });
});

// The server's own validation of the mapped settings: needs a Python with fastapi-lint
// installed, named by FASTAPI_LINT_PYTHON (CI sets it).
const python = process.env.FASTAPI_LINT_PYTHON;

describe("the server accepts the mapped settings", { skip: python === undefined }, () => {
  it("validates every key without an error", () => {
    const script = [
      "import json, sys",
      "from fastapi_lsp.settings import client_settings",
      "settings, errors = client_settings(json.load(sys.stdin))",
      "print(json.dumps({'errors': errors, 'overrides': dict(settings.overrides),",
      "  'debounce': settings.debounce_ms, 'fix_on_save': settings.fix_on_save,",
      "  'docs_url': settings.docs_url}))",
    ].join("\n");
    const run = spawnSync(python ?? "python3", ["-c", script], {
      input: JSON.stringify(serverSettings(reader(FULL)).settings),
      encoding: "utf8",
    });
    assert.equal(run.status, 0, run.stderr);
    const answer = JSON.parse(run.stdout) as Record<string, unknown>;
    assert.deepEqual(answer.errors, []);
    assert.equal(answer.debounce, 300);
    assert.equal(answer.fix_on_save, true);
    assert.equal(answer.docs_url, FULL.docsUrl);
    assert.deepEqual(answer.overrides, {
      select: FULL.select,
      ignore: FULL.ignore,
      "extend-select": FULL.extendSelect,
      exclude: FULL.exclude,
      "extend-exclude": FULL.extendExclude,
      "per-file-ignores": FULL.perFileIgnores,
      ...FULL.ruleOptions,
    });
  });

  it("reports an unknown rule code the way the user will see it", () => {
    const run = spawnSync(
      python ?? "python3",
      ["-c", "import json,sys\nfrom fastapi_lsp.settings import client_settings\nprint(json.dumps(client_settings(json.load(sys.stdin))[1]))"],
      { input: JSON.stringify(serverSettings(reader({ select: ["FAS999"] })).settings), encoding: "utf8" },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /unknown rule code or prefix `FAS999`/);
  });
});
