-- End-to-end check of the Neovim integration against the real server, run by
-- tests/test_neovim.py as `nvim --headless -u NONE -i NONE -c "luafile e2e.lua"`.
--
-- Environment: FASTAPI_LINT_PLUGIN (editors/neovim), FASTAPI_LINT_CMD (the server command as
-- a JSON list), FASTAPI_LINT_FILE (the Python file to open), FASTAPI_LINT_SETTINGS (JSON
-- settings for setup()), FASTAPI_LINT_ROUTE (a handler name to pick in :FastapiLintRoutes, or
-- empty to skip), FASTAPI_LINT_OUT (where the JSON results go).
--
-- Each step appends what it saw to `results`; pytest asserts on them. A failing step records
-- its error and the script still writes the results and quits.

local results = { steps = {} }
local TIMEOUT = 60000 -- generous: CI runs the editors beside the rest of the suite

local function env_json(name)
  local value = os.getenv(name)
  if value == nil or value == "" then
    return nil
  end
  return vim.fn.json_decode(value)
end

local function write_results()
  local file = assert(io.open(os.getenv("FASTAPI_LINT_OUT"), "w"))
  file:write(vim.fn.json_encode(results))
  file:close()
end

local function buffer_text(bufnr)
  return table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), "\n") .. "\n"
end

local function fastapi_diagnostics(bufnr)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.source == "fastapi-lint" then
      table.insert(found, {
        code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code),
        lnum = d.lnum,
        col = d.col,
        end_lnum = d.end_lnum,
        end_col = d.end_col,
        severity = d.severity,
        message = d.message,
      })
    end
  end
  table.sort(found, function(a, b)
    return a.lnum < b.lnum or (a.lnum == b.lnum and a.col < b.col)
  end)
  return found
end

-- waits until the server has published diagnostics for the buffer's current text
local function wait_for_diagnostics(bufnr, predicate)
  return vim.wait(TIMEOUT, function()
    return predicate(fastapi_diagnostics(bufnr))
  end, 50)
end

local function step(name, fn)
  local ok, err = pcall(fn)
  table.insert(results.steps, { name = name, ok = ok, error = ok and vim.NIL or tostring(err) })
  return ok
end

local function main()
  vim.opt.runtimepath:prepend(os.getenv("FASTAPI_LINT_PLUGIN"))
  vim.cmd("filetype on")
  results.nvim_version = tostring(vim.version().major) .. "." .. tostring(vim.version().minor)
    .. "." .. tostring(vim.version().patch)
  local fastapi_lint = require("fastapi_lint")
  local bufnr

  step("setup", function()
    results.registration = fastapi_lint.setup({
      cmd = env_json("FASTAPI_LINT_CMD"),
      settings = env_json("FASTAPI_LINT_SETTINGS") or {},
      timeout_ms = TIMEOUT,
    })
  end)

  local ready = step("diagnostics", function()
    vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("FASTAPI_LINT_FILE")))
    bufnr = vim.api.nvim_get_current_buf()
    results.filetype = vim.bo[bufnr].filetype
    assert(wait_for_diagnostics(bufnr, function(found)
      return #found > 0
    end), "no diagnostics from fastapi-lint")
    local client = assert(fastapi_lint.client(bufnr), "no fastapi_lint client on the buffer")
    results.client = {
      name = client.name,
      offset_encoding = client.offset_encoding,
      root_dir = client.config.root_dir,
    }
    results.diagnostics = fastapi_diagnostics(bufnr)
  end)
  if not ready then
    return
  end

  step("quick_fix", function()
    local target
    results.lsp_diagnostics = fastapi_lint.lsp_diagnostics(bufnr)
    for _, d in ipairs(results.lsp_diagnostics) do
      if d.code == "FAS203" and (target == nil or d.range.start.line < target.range.start.line) then
        target = d
      end
    end
    assert(target, "no FAS203 diagnostic")
    local actions, err, client = fastapi_lint.code_actions(bufnr, target.range, nil)
    assert(actions, err)
    results.actions = {}
    local quick_fix
    for _, action in ipairs(actions) do
      table.insert(results.actions, { title = action.title, kind = action.kind, preferred = action.isPreferred })
      if quick_fix == nil and action.kind == "quickfix" and action.isPreferred then
        quick_fix = action
      end
    end
    assert(quick_fix, "no preferred quick fix")
    results.applied = quick_fix.title
    assert(fastapi_lint.apply_action(client, quick_fix, bufnr), "the quick fix changed nothing")
    results.after_quick_fix = buffer_text(bufnr)
    -- the server re-checks the edited text: one FAS203 fewer
    local before = #results.diagnostics
    assert(wait_for_diagnostics(bufnr, function(found)
      return #found == before - 1
    end), "the diagnostics did not follow the edit")
    results.diagnostics_after_quick_fix = fastapi_diagnostics(bufnr)
  end)

  step("fix_all", function()
    vim.cmd("FastapiLintFixAll")
    results.after_fix_all = buffer_text(bufnr)
    assert(wait_for_diagnostics(bufnr, function(found)
      for _, d in ipairs(found) do
        if d.code ~= "FAS703" then
          return false
        end
      end
      return true
    end), "safely fixable findings are left after :FastapiLintFixAll")
    results.diagnostics_after_fix_all = fastapi_diagnostics(bufnr)
  end)

  local route = os.getenv("FASTAPI_LINT_ROUTE")
  if route ~= nil and route ~= "" then
    step("routes", function()
      local offered
      local done = false
      vim.ui.select = function(items, opts, on_choice)
        offered = {}
        local chosen
        for _, item in ipairs(items) do
          table.insert(offered, opts.format_item(item))
          if item.name == route then
            chosen = item
          end
        end
        on_choice(chosen)
        done = true
      end
      vim.cmd("normal! gg")
      vim.cmd("FastapiLintRoutes")
      assert(vim.wait(TIMEOUT, function()
        return done
      end, 50), "the route picker never opened")
      results.routes_offered = offered
      results.route_line = vim.api.nvim_win_get_cursor(0)[1]
      results.route_file = vim.api.nvim_buf_get_name(0)
    end)

    -- a route code lens runs the client-side command the plugin registers
    step("lens_command", function()
      local offered
      vim.ui.select = function(items, opts, on_choice)
        offered = {}
        for _, item in ipairs(items) do
          table.insert(offered, opts.format_item(item))
        end
        on_choice(nil)
      end
      local command = vim.lsp.commands["fastapi-lint.showRoutes"]
      assert(type(command) == "function", "fastapi-lint.showRoutes is not a client command")
      command({ title = "GET /items/{item_id}", command = "fastapi-lint.showRoutes" }, {
        bufnr = vim.api.nvim_get_current_buf(),
      })
      assert(vim.wait(TIMEOUT, function()
        return offered ~= nil
      end, 50), "the lens command opened no route picker")
      results.lens_routes_offered = offered
    end)
  end
end

local ok, err = pcall(main)
if not ok then
  results.error = tostring(err)
end
write_results()
vim.cmd("qall!")
