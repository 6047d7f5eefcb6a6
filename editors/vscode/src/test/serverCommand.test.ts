import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expandPath, serverCommand } from "../serverCommand";

describe("serverCommand", () => {
  it("prefers fastapi-lint.path", () => {
    assert.deepEqual(
      serverCommand({ path: "/opt/fl/bin/fastapi-lint", interpreter: "/usr/bin/python3", pythonExtensionInterpreter: "/venv/bin/python" }),
      { command: "/opt/fl/bin/fastapi-lint", args: ["server"], origin: "fastapi-lint.path" },
    );
  });

  it("then fastapi-lint.interpreter, as python -m fastapi_lsp", () => {
    assert.deepEqual(
      serverCommand({ path: "", interpreter: "/usr/bin/python3", pythonExtensionInterpreter: "/venv/bin/python" }),
      { command: "/usr/bin/python3", args: ["-m", "fastapi_lsp"], origin: "fastapi-lint.interpreter" },
    );
  });

  it("then the Python extension's interpreter", () => {
    assert.deepEqual(
      serverCommand({ path: "", interpreter: "", pythonExtensionInterpreter: "/venv/bin/python" }),
      { command: "/venv/bin/python", args: ["-m", "fastapi_lsp"], origin: "the Python extension's interpreter" },
    );
  });

  it("falls back to fastapi-lint on PATH without the Python extension", () => {
    assert.deepEqual(serverCommand({ path: "", interpreter: "" }), {
      command: "fastapi-lint",
      args: ["server"],
      origin: "PATH",
    });
  });
});

describe("expandPath", () => {
  it("expands ~, ${userHome} and ${workspaceFolder}", () => {
    assert.equal(expandPath("~/venv/bin/python", "/home/me", "/src/app"), "/home/me/venv/bin/python");
    assert.equal(expandPath("${userHome}/bin/fastapi-lint", "/home/me"), "/home/me/bin/fastapi-lint");
    assert.equal(
      expandPath(" ${workspaceFolder}/.venv/bin/python ", "/home/me", "/src/app"),
      "/src/app/.venv/bin/python",
    );
  });

  it("leaves ~user and a folder variable without a folder alone", () => {
    assert.equal(expandPath("~other/python", "/home/me"), "~other/python");
    assert.equal(expandPath("${workspaceFolder}/python", "/home/me"), "${workspaceFolder}/python");
  });

  it("keeps an empty setting empty", () => {
    assert.equal(expandPath("  ", "/home/me", "/src/app"), "");
  });
});
