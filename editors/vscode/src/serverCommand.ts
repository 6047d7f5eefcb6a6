// Which process to start as the server. No `vscode` import: tested with the Node test runner.

export interface ServerCommand {
  command: string;
  args: string[];
  /** Where the command came from, for the output channel and the status bar's tooltip. */
  origin: string;
}

export interface CommandInputs {
  /** `fastapi-lint.path`, expanded. */
  path: string;
  /** `fastapi-lint.interpreter`, expanded. */
  interpreter: string;
  /** The interpreter selected in the Python extension, when it has fastapi-lint installed. */
  pythonExtensionInterpreter?: string;
}

/** The server's command: an explicit executable, then an explicit interpreter, then the Python
 * extension's interpreter, then `fastapi-lint` from `PATH`. */
export function serverCommand(inputs: CommandInputs): ServerCommand {
  if (inputs.path !== "") {
    return { command: inputs.path, args: ["server"], origin: "fastapi-lint.path" };
  }
  if (inputs.interpreter !== "") {
    return moduleCommand(inputs.interpreter, "fastapi-lint.interpreter");
  }
  if (inputs.pythonExtensionInterpreter) {
    return moduleCommand(inputs.pythonExtensionInterpreter, "the Python extension's interpreter");
  }
  return { command: "fastapi-lint", args: ["server"], origin: "PATH" };
}

function moduleCommand(interpreter: string, origin: string): ServerCommand {
  return { command: interpreter, args: ["-m", "fastapi_lsp"], origin };
}

/** A path setting with `${workspaceFolder}`, `${userHome}` and a leading `~` expanded;
 * surrounding blanks are dropped. A `${workspaceFolder}` without a folder stays as it is. */
export function expandPath(value: string, home: string, workspaceFolder?: string): string {
  let expanded = value.trim();
  if (expanded === "~" || expanded.startsWith("~/") || expanded.startsWith("~\\")) {
    expanded = home + expanded.slice(1);
  }
  expanded = expanded.split("${userHome}").join(home);
  if (workspaceFolder !== undefined) {
    expanded = expanded.split("${workspaceFolder}").join(workspaceFolder);
  }
  return expanded;
}
