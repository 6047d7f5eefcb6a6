-- fastapi-lint for Neovim: registers `fastapi-lint server` for Python buffers and adds
-- :FastapiLintFixAll and :FastapiLintRoutes.
--
--   require("fastapi_lint").setup({
--     cmd = { "fastapi-lint", "server" },            -- or { "/path/to/python", "-m", "fastapi_lsp" }
--     settings = { ignore = { "FAS102" }, ["fat-route"] = { ["max-statements"] = 20 } },
--   })
--
-- Neovim 0.11 and later: vim.lsp.config + vim.lsp.enable. Older versions: nvim-lspconfig
-- when it is installed, else the module starts the server itself on FileType python
-- (vim.lsp.start from 0.8, vim.lsp.start_client + vim.lsp.buf_attach_client on 0.7).

local M = {}

M.name = "fastapi_lint"
M.fix_all_kind = "source.fixAll.fastapi-lint"
M.routes_method = "fastapi-lint/routes"

M.defaults = {
  cmd = { "fastapi-lint", "server" },
  cmd_env = nil,
  filetypes = { "python" },
  root_markers = { "pyproject.toml", ".git" },
  -- the keys of [tool.fastapi-lint] (select, ignore, ["extend-select"], exclude,
  -- ["per-file-ignores"], rule option tables by rule name) and the server's own
  -- ["debounce-ms"], ["fix-on-save"], ["docs-url"]
  settings = {},
  on_attach = nil,
  capabilities = nil,
  use_lspconfig = true, -- on Neovim < 0.11, use nvim-lspconfig when it is installed
  timeout_ms = 5000, -- how long :FastapiLintFixAll waits for the server
}

M.options = vim.deepcopy(M.defaults)

-- server keys whose value is a list: an empty Lua table stays a JSON list for them, every
-- other empty table is sent as an object
local LIST_KEYS = {
  select = true,
  ignore = true,
  ["extend-select"] = true,
  ["extend-ignore"] = true,
  exclude = true,
  ["extend-exclude"] = true,
}

--- The settings as the server reads them: Lua's empty tables become JSON objects where the
--- server expects one (vim.json would send `[]`).
function M.server_settings(settings)
  local result = {}
  for key, value in pairs(settings or {}) do
    if type(value) == "table" and next(value) == nil and not LIST_KEYS[key] then
      result[key] = vim.empty_dict()
    else
      result[key] = value
    end
  end
  if next(result) == nil then
    return vim.empty_dict()
  end
  return result
end

--- The directory of the nearest enclosing project: the closest ancestor of `path` holding one
--- of the root markers, else the file's own directory.
function M.root_dir(path, markers)
  markers = markers or M.options.root_markers
  local dir = vim.fn.fnamemodify(path, ":p:h")
  while true do
    for _, marker in ipairs(markers) do
      if vim.loop.fs_stat(dir .. "/" .. marker) then
        return dir
      end
    end
    local parent = vim.fn.fnamemodify(dir, ":h")
    if parent == dir then
      return vim.fn.fnamemodify(path, ":p:h")
    end
    dir = parent
  end
end

--- The client configuration shared by every registration path.
function M.client_config(opts)
  opts = opts or M.options
  local settings = M.server_settings(opts.settings)
  return {
    name = M.name,
    cmd = opts.cmd,
    cmd_env = opts.cmd_env,
    filetypes = opts.filetypes,
    root_markers = opts.root_markers,
    init_options = settings,
    -- answered from here when the server asks with workspace/configuration
    settings = { ["fastapi-lint"] = settings },
    on_attach = opts.on_attach,
    capabilities = opts.capabilities,
  }
end

-- -- registration ---------------------------------------------------------------------

local started = {} -- root directory -> client id, for Neovim 0.7

--- Starts (or reuses) the server for a buffer's project and attaches it: the registration
--- used when neither vim.lsp.config nor nvim-lspconfig is there.
function M.attach(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  if vim.bo[bufnr].buftype ~= "" then
    return nil
  end
  local path = vim.api.nvim_buf_get_name(bufnr)
  local root = path ~= "" and M.root_dir(path) or vim.loop.cwd()
  local config = M.client_config()
  config.root_markers = nil
  config.filetypes = nil
  config.root_dir = root
  if vim.lsp.start then
    return vim.lsp.start(config, { bufnr = bufnr })
  end
  local id = started[root]
  local client = id and vim.lsp.get_client_by_id(id)
  if client == nil or client.is_stopped() then
    id = vim.lsp.start_client(config)
    if id == nil then
      return nil
    end
    started[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

local function register_with_lsp_config(config)
  vim.lsp.config(M.name, {
    cmd = config.cmd,
    cmd_env = config.cmd_env,
    filetypes = config.filetypes,
    root_markers = config.root_markers,
    init_options = config.init_options,
    settings = config.settings,
    on_attach = config.on_attach,
    capabilities = config.capabilities,
  })
  vim.lsp.enable(M.name)
end

local function register_with_lspconfig(lspconfig, config)
  local configs = require("lspconfig.configs")
  if configs[M.name] == nil then
    configs[M.name] = {
      default_config = {
        cmd = config.cmd,
        cmd_env = config.cmd_env,
        filetypes = config.filetypes,
        root_dir = lspconfig.util.root_pattern(unpack(config.root_markers)),
        init_options = config.init_options,
        settings = config.settings,
      },
    }
  end
  lspconfig[M.name].setup({ on_attach = config.on_attach, capabilities = config.capabilities })
end

local function register_on_filetype(config)
  local group = vim.api.nvim_create_augroup("fastapi_lint", { clear = true })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = config.filetypes,
    callback = function(args)
      M.attach(args.buf)
    end,
  })
  -- buffers opened before setup()
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.tbl_contains(config.filetypes, vim.bo[bufnr].filetype) then
      M.attach(bufnr)
    end
  end
end

--- How setup() registers the server on this Neovim: "lsp.config", "lspconfig" or "autocmd".
function M.registration(opts)
  opts = opts or M.options
  if vim.lsp.config ~= nil and vim.lsp.enable ~= nil then
    return "lsp.config"
  end
  if opts.use_lspconfig and pcall(require, "lspconfig") then
    return "lspconfig"
  end
  return "autocmd"
end

function M.setup(opts)
  M.options = vim.tbl_deep_extend("force", vim.deepcopy(M.defaults), opts or {})
  -- a list given by the user replaces the default rather than merging index by index
  for _, key in ipairs({ "cmd", "filetypes", "root_markers" }) do
    if opts and opts[key] then
      M.options[key] = opts[key]
    end
  end
  if opts and opts.settings then
    M.options.settings = opts.settings
  end
  local config = M.client_config()
  local how = M.registration()
  if how == "lsp.config" then
    register_with_lsp_config(config)
  elseif how == "lspconfig" then
    register_with_lspconfig(require("lspconfig"), config)
  else
    register_on_filetype(config)
  end
  M.create_commands()
  return how
end

-- -- clients --------------------------------------------------------------------------

--- The fastapi-lint client attached to a buffer, or nil.
function M.client(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ bufnr = bufnr, name = M.name })[1]
  end
  for _, client in pairs(vim.lsp.buf_get_clients(bufnr)) do
    if client.name == M.name then
      return client
    end
  end
  return nil
end

-- Neovim 0.11 made the client's methods take `self` (client:request); 0.7–0.10 take none.
local function request_sync(client, method, params, timeout_ms, bufnr)
  if vim.fn.has("nvim-0.11") == 1 then
    return client:request_sync(method, params, timeout_ms, bufnr)
  end
  return client.request_sync(method, params, timeout_ms, bufnr)
end

local function request(client, method, params, handler, bufnr)
  if vim.fn.has("nvim-0.11") == 1 then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

local function notify(message, level)
  vim.notify("fastapi-lint: " .. message, level or vim.log.levels.INFO)
end

-- -- code actions ---------------------------------------------------------------------

--- Applies a code action of the client: resolves its edit first when the server left it out
--- (codeAction/resolve), then applies the edit and runs the command. Returns true when it
--- changed something.
function M.apply_action(client, action, bufnr, timeout_ms)
  timeout_ms = timeout_ms or M.options.timeout_ms
  if action.edit == nil and action.command == nil and action.data ~= nil then
    local response = request_sync(client, "codeAction/resolve", action, timeout_ms, bufnr)
    if response == nil or response.err ~= nil or response.result == nil then
      return false
    end
    action = response.result
  end
  local changed = false
  if action.edit ~= nil then
    vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
    changed = true
  end
  local command = type(action.command) == "table" and action.command or nil
  if command ~= nil then
    request_sync(client, "workspace/executeCommand", command, timeout_ms, bufnr)
    changed = true
  end
  return changed
end

--- The LSP diagnostics of fastapi-lint on a buffer, rebuilt from vim.diagnostic (Neovim 0.7
--- keeps only part of the original in user_data, and its columns are byte indexes).
function M.lsp_diagnostics(bufnr, client)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  client = client or M.client(bufnr)
  local encoding = client and client.offset_encoding or "utf-16"
  local function position(line, col)
    local ok, character = pcall(vim.lsp.util.character_offset, bufnr, line, col, encoding)
    return { line = line, character = ok and character or col }
  end
  local diagnostics = {}
  for _, diagnostic in ipairs(vim.diagnostic.get(bufnr)) do
    local lsp = diagnostic.user_data and diagnostic.user_data.lsp or {}
    if diagnostic.source == "fastapi-lint" or lsp.source == "fastapi-lint" then
      local rebuilt = vim.tbl_extend("force", {}, lsp)
      if rebuilt.range == nil then
        rebuilt.range = {
          start = position(diagnostic.lnum, diagnostic.col),
          ["end"] = position(diagnostic.end_lnum or diagnostic.lnum, diagnostic.end_col or diagnostic.col),
        }
      end
      rebuilt.message = rebuilt.message or diagnostic.message
      rebuilt.source = rebuilt.source or diagnostic.source
      rebuilt.severity = rebuilt.severity or diagnostic.severity
      rebuilt.code = rebuilt.code or diagnostic.code
      table.insert(diagnostics, rebuilt)
    end
  end
  return diagnostics
end

--- Every code action of the server for a range of a buffer (0-based line and character
--- positions in the client's encoding), with fastapi-lint's diagnostics of those lines.
function M.code_actions(bufnr, range, only, timeout_ms)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local client = M.client(bufnr)
  if client == nil then
    return nil, "not attached"
  end
  local diagnostics = {}
  for _, diagnostic in ipairs(M.lsp_diagnostics(bufnr, client)) do
    if diagnostic.range.start.line <= range["end"].line and diagnostic.range["end"].line >= range.start.line then
      table.insert(diagnostics, diagnostic)
    end
  end
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = range,
    context = { diagnostics = diagnostics, only = only },
  }
  local response = request_sync(client, "textDocument/codeAction", params, timeout_ms or M.options.timeout_ms, bufnr)
  if response == nil then
    return nil, "no answer from the server"
  end
  if response.err ~= nil then
    return nil, response.err.message
  end
  return response.result or {}, nil, client
end

--- Applies every safe fix of a buffer (source.fixAll.fastapi-lint). Synchronous, so that it
--- can run in BufWritePre. Returns true when the buffer changed.
function M.fix_all(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local last = vim.api.nvim_buf_line_count(bufnr)
  local whole = { start = { line = 0, character = 0 }, ["end"] = { line = last, character = 0 } }
  local actions, err, client = M.code_actions(bufnr, whole, { M.fix_all_kind })
  if actions == nil then
    notify(err, vim.log.levels.WARN)
    return false
  end
  for _, action in ipairs(actions) do
    if action.kind == M.fix_all_kind then
      return M.apply_action(client, action, bufnr)
    end
  end
  return false
end

-- -- routes ---------------------------------------------------------------------------

--- The text the picker shows for a route.
function M.format_route(route)
  return string.format("%-7s %s  %s", route.method, route.path, route.name)
end

--- Opens a route's handler.
function M.jump_to_route(route, client)
  local location = { uri = route.uri, range = route.range }
  local encoding = client and client.offset_encoding or "utf-16"
  if vim.lsp.util.show_document then
    vim.lsp.util.show_document(location, encoding, { focus = true })
  else
    vim.lsp.util.jump_to_location(location, encoding)
  end
end

--- Asks the server for the route table and offers it in vim.ui.select; picking a route jumps
--- to its handler. `on_done(route or nil)` is called at the end (for scripts and tests).
function M.routes(bufnr, on_done)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  on_done = on_done or function() end
  local client = M.client(bufnr)
  if client == nil then
    notify("the server is not attached to this buffer", vim.log.levels.WARN)
    return on_done(nil)
  end
  request(client, M.routes_method, vim.empty_dict(), function(err, result)
    if err ~= nil then
      notify("the route table failed: " .. tostring(err.message or err), vim.log.levels.ERROR)
      return on_done(nil)
    end
    local routes = {}
    for _, route in ipairs(result or {}) do
      if type(route) == "table" and type(route.uri) == "string" and type(route.range) == "table" then
        table.insert(routes, route)
      end
    end
    if #routes == 0 then
      notify("no FastAPI routes found")
      return on_done(nil)
    end
    vim.ui.select(routes, { prompt = "FastAPI routes", format_item = M.format_route }, function(route)
      if route ~= nil then
        M.jump_to_route(route, client)
      end
      on_done(route)
    end)
  end, bufnr)
end

-- -- commands -------------------------------------------------------------------------

M.show_routes_command = "fastapi-lint.showRoutes"

function M.create_commands()
  vim.api.nvim_create_user_command("FastapiLintFixAll", function()
    M.fix_all(0)
  end, { desc = "fastapi-lint: apply every safe fix of the buffer" })
  vim.api.nvim_create_user_command("FastapiLintRoutes", function()
    M.routes(0)
  end, { desc = "fastapi-lint: pick a FastAPI route and jump to its handler" })
  -- the server's code lenses above handlers name this client-side command
  vim.lsp.commands[M.show_routes_command] = function(_, ctx)
    M.routes(ctx and ctx.bufnr or 0)
  end
end

return M
