// The VS Code side of fastapi-lint: starts `fastapi-lint server`, keeps its settings current,
// and adds the Restart server, Fix all and Show routes commands and a status bar item.

import { execFile } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import {
  CodeAction,
  CodeActionRequest,
  CodeActionResolveRequest,
  DidChangeConfigurationNotification,
  LanguageClient,
  LanguageClientOptions,
  ResponseError,
  ServerOptions,
  State,
  TransportKind,
} from "vscode-languageclient/node";
import { PythonExtension } from "@vscode/python-extension";
import { parseRoutes, ROUTES_REQUEST, routeItems, RouteItem } from "./routes";
import { expandPath, serverCommand, ServerCommand } from "./serverCommand";
import { needsRestart, serverSettings, ServerSettings } from "./settings";

const ID = "fastapi-lint";
const FIX_ALL_KIND = "source.fixAll.fastapi-lint";
const IMPORT_CHECK_TIMEOUT_MS = 15_000;

let client: LanguageClient | undefined;
let command: ServerCommand | undefined;
let output: vscode.OutputChannel;
let status: vscode.StatusBarItem;
let pythonApi: PythonExtension | undefined;
let restarting: Promise<void> = Promise.resolve();

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("fastapi-lint");
  status = vscode.window.createStatusBarItem(ID, vscode.StatusBarAlignment.Right, 100);
  status.name = "fastapi-lint";
  status.command = "fastapi-lint.showOutput";
  context.subscriptions.push(
    output,
    status,
    vscode.commands.registerCommand("fastapi-lint.restart", () => restart()),
    vscode.commands.registerCommand("fastapi-lint.fixAll", () => fixAll()),
    vscode.commands.registerCommand("fastapi-lint.showRoutes", () => showRoutes()),
    vscode.commands.registerCommand("fastapi-lint.showOutput", () => { output.show(true); }),
    vscode.workspace.onDidChangeConfiguration((event) => { configurationChanged(event); }),
    vscode.window.onDidChangeActiveTextEditor(() => { updateStatus(); }),
  );
  pythonApi = await loadPythonExtension();
  if (pythonApi !== undefined) {
    context.subscriptions.push(
      pythonApi.environments.onDidChangeActiveEnvironmentPath(() => {
        if (!explicitCommand()) {
          void restart();
        }
      }),
    );
  }
  await restart();
}

export async function deactivate(): Promise<void> {
  await stop();
}

// -- the server process ------------------------------------------------------------------

function restart(): Promise<void> {
  // queued, so that two quick restarts never run two servers
  restarting = restarting.then(async () => {
    await stop();
    await start();
  });
  return restarting;
}

async function start(): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  command = serverCommand({
    path: settingPath("path", folder),
    interpreter: settingPath("interpreter", folder),
    pythonExtensionInterpreter: explicitCommand() ? undefined : await interpreterWithServer(folder),
  });
  output.appendLine(`Starting ${[command.command, ...command.args].join(" ")} (${command.origin})`);
  const serverOptions: ServerOptions = {
    command: command.command,
    args: command.args,
    transport: TransportKind.stdio,
    options: { cwd: folder?.uri.fsPath },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "python" },
      { scheme: "untitled", language: "python" },
    ],
    outputChannel: output,
    initializationOptions: currentSettings(),
    middleware: {
      workspace: {
        // the server pulls `fastapi-lint` when a change notification carries no settings
        configuration: async (params, token, next) => {
          const answers: unknown[] | ResponseError = await next(params, token);
          if (answers instanceof ResponseError) {
            return answers;
          }
          return params.items.map((item, index): unknown =>
            item.section === ID ? currentSettings() : answers[index],
          );
        },
      },
    },
  };
  const started = new LanguageClient(ID, "fastapi-lint", serverOptions, clientOptions);
  started.onDidChangeState(() => { updateStatus(); });
  client = started;
  updateStatus();
  try {
    await started.start();
  } catch (error) {
    output.appendLine(`The server did not start: ${String(error)}`);
    updateStatus();
    const choice = await vscode.window.showErrorMessage(
      `fastapi-lint: the server did not start (${command.command}). Install fastapi-lint in ` +
        "the selected interpreter or set fastapi-lint.path.",
      "Show output",
    );
    if (choice === "Show output") {
      output.show(true);
    }
  }
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running !== undefined && running.state !== State.Stopped) {
    try {
      await running.stop();
    } catch (error) {
      output.appendLine(`Stopping the server failed: ${String(error)}`);
    }
  }
  updateStatus();
}

/** Whether the user named the server's executable or interpreter themselves. */
function explicitCommand(): boolean {
  const folder = vscode.workspace.workspaceFolders?.[0];
  return settingPath("path", folder) !== "" || settingPath("interpreter", folder) !== "";
}

function settingPath(key: string, folder: vscode.WorkspaceFolder | undefined): string {
  const value = vscode.workspace.getConfiguration(ID, folder).get<string>(key, "");
  return expandPath(value, os.homedir(), folder?.uri.fsPath);
}

// -- the Python extension (optional) ----------------------------------------------------

async function loadPythonExtension(): Promise<PythonExtension | undefined> {
  if (vscode.extensions.getExtension("ms-python.python") === undefined) {
    return undefined;
  }
  try {
    return await PythonExtension.api();
  } catch (error) {
    output.appendLine(`The Python extension's API is not available: ${String(error)}`);
    return undefined;
  }
}

/** The Python extension's interpreter for the folder, when fastapi-lint is installed in it. */
async function interpreterWithServer(
  folder: vscode.WorkspaceFolder | undefined,
): Promise<string | undefined> {
  if (pythonApi === undefined) {
    return undefined;
  }
  try {
    const active = pythonApi.environments.getActiveEnvironmentPath(folder);
    const resolved = await pythonApi.environments.resolveEnvironment(active);
    const executable = resolved?.executable.uri?.fsPath;
    if (executable === undefined) {
      return undefined;
    }
    if (await canImportServer(executable)) {
      return executable;
    }
    output.appendLine(`fastapi-lint is not installed in ${executable}; trying PATH`);
  } catch (error) {
    output.appendLine(`Could not read the Python extension's interpreter: ${String(error)}`);
  }
  return undefined;
}

function canImportServer(interpreter: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(interpreter, ["-c", "import fastapi_lsp"], { timeout: IMPORT_CHECK_TIMEOUT_MS }, (error) => { resolve(error === null); },
    );
  });
}

// -- settings -----------------------------------------------------------------------------

function currentSettings(): ServerSettings {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const configuration = vscode.workspace.getConfiguration(ID, folder);
  const mapped = serverSettings((key) => configuration.get(key));
  for (const problem of mapped.problems) {
    output.appendLine(`Setting ignored: ${problem}`);
  }
  return mapped.settings;
}

function configurationChanged(event: vscode.ConfigurationChangeEvent): void {
  if (!event.affectsConfiguration(ID)) {
    return;
  }
  if (needsRestart((key) => event.affectsConfiguration(`${ID}.${key}`))) {
    void restart();
    return;
  }
  if (client?.state === State.Running) {
    void client.sendNotification(DidChangeConfigurationNotification.type, {
      settings: currentSettings(),
    });
  }
}

// -- commands -----------------------------------------------------------------------------

async function fixAll(): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  const running = runningClient();
  if (editor === undefined || running === undefined) {
    return;
  }
  const document = editor.document;
  const converter = running.code2ProtocolConverter;
  const whole = new vscode.Range(0, 0, document.lineCount, 0);
  const actions = await running.sendRequest(CodeActionRequest.type, {
    textDocument: converter.asTextDocumentIdentifier(document),
    range: converter.asRange(whole),
    context: { diagnostics: [], only: [FIX_ALL_KIND] },
  });
  let action = (actions ?? []).find(
    (candidate): candidate is CodeAction => "kind" in candidate && candidate.kind === FIX_ALL_KIND,
  );
  if (action !== undefined && action.edit === undefined) {
    action = await running.sendRequest(CodeActionResolveRequest.type, action);
  }
  if (action?.edit === undefined) {
    vscode.window.setStatusBarMessage("fastapi-lint: nothing to fix", 3000);
    return;
  }
  const edit = await running.protocol2CodeConverter.asWorkspaceEdit(action.edit);
  if (!(await vscode.workspace.applyEdit(edit))) {
    void vscode.window.showWarningMessage("fastapi-lint: the document changed; run Fix all again.");
  }
}

async function showRoutes(): Promise<void> {
  const running = runningClient();
  if (running === undefined) {
    return;
  }
  let answer: unknown;
  try {
    answer = await running.sendRequest(ROUTES_REQUEST, {});
  } catch (error) {
    void vscode.window.showErrorMessage(`fastapi-lint: the route table failed: ${String(error)}`);
    return;
  }
  const items = routeItems(parseRoutes(answer), describeUri);
  if (items.length === 0) {
    void vscode.window.showInformationMessage("fastapi-lint: no FastAPI routes found.");
    return;
  }
  const picked = await vscode.window.showQuickPick<RouteItem>(items, {
    title: "FastAPI routes",
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (picked === undefined) {
    return;
  }
  const range = running.protocol2CodeConverter.asRange(picked.route.range);
  await vscode.window.showTextDocument(vscode.Uri.parse(picked.route.uri), { selection: range });
}

function runningClient(): LanguageClient | undefined {
  if (client?.state === State.Running) {
    return client;
  }
  void vscode.window.showWarningMessage("fastapi-lint: the server is not running.");
  return undefined;
}

function describeUri(uri: string): string {
  const parsed = vscode.Uri.parse(uri);
  const relative = vscode.workspace.asRelativePath(parsed, false);
  return relative === parsed.fsPath ? path.basename(parsed.fsPath) : relative;
}

// -- status bar ---------------------------------------------------------------------------

function updateStatus(): void {
  const state = client?.state;
  if (state === State.Running) {
    status.text = "$(check) fastapi-lint";
    status.backgroundColor = undefined;
  } else if (state === State.Starting) {
    status.text = "$(sync~spin) fastapi-lint";
    status.backgroundColor = undefined;
  } else {
    status.text = "$(error) fastapi-lint";
    status.backgroundColor = new vscode.ThemeColor("statusBarItem.errorBackground");
  }
  const origin = command === undefined ? "" : `\n${[command.command, ...command.args].join(" ")}`;
  status.tooltip = `fastapi-lint server: ${describeState(state)}${origin}`;
  if (vscode.window.activeTextEditor?.document.languageId === "python") {
    status.show();
  } else {
    status.hide();
  }
}

function describeState(state: State | undefined): string {
  switch (state) {
    case State.Running:
      return "running";
    case State.Starting:
      return "starting";
    default:
      return "stopped";
  }
}
