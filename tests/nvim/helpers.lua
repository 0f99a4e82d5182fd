-- Shared by the headless Neovim scripts that tests/test_nvim.py runs with
--   timeout N nvim --headless -u NONE -i NONE -n -l SCRIPT
-- Inputs come from environment variables (set by the Python test):
--   FOUREYES_PLUGIN  the nvim-client directory
--   FOUREYES_CMD     the installed `foureyes` command
--   FOUREYES_REPO    the git repository under test
--   FOUREYES_WAIT_MS how long one step may take
-- A failed step raises an error naming the step and what the editor saw; `nvim -l`
-- then exits 1 with that message on stderr. On success the script prints one JSON
-- line (timings and observations) for the Python side.
local H = {}

H.env = {
  plugin = assert(os.getenv('FOUREYES_PLUGIN'), 'FOUREYES_PLUGIN is not set'),
  cmd = assert(os.getenv('FOUREYES_CMD'), 'FOUREYES_CMD is not set'),
  repo = assert(os.getenv('FOUREYES_REPO'), 'FOUREYES_REPO is not set'),
  wait_ms = tonumber(os.getenv('FOUREYES_WAIT_MS') or '20000'),
}

H.started = vim.uv.hrtime()
H.timings = {} -- { step, seconds since the previous step }, in order
H.messages = {} -- everything shown with vim.notify (server messages included)
local last_step = H.started

-- Record messages instead of only printing them: a failure report includes them, and
-- steps can wait for the server's "Approved ..." or error messages (the plugin shows
-- the server's window/showMessage with vim.notify too, as "foureyes: Approved ...").
vim.notify = function(message, level)
  table.insert(H.messages, { message = tostring(message), level = level or vim.log.levels.INFO })
  io.stderr:write(('[notify %s] %s\n'):format(level or vim.log.levels.INFO, tostring(message)))
end

function H.load_plugin()
  vim.opt.runtimepath:prepend(H.env.plugin)
  vim.cmd('filetype on') -- -u NONE leaves filetype detection off; real configs have it on
  vim.cmd('runtime plugin/foureyes.lua') -- -u NONE skips plugin/ scripts too
end

--- The foureyes diagnostics of a buffer, sorted by line.
function H.diagnostics(bufnr)
  local found = vim.tbl_filter(function(d)
    return d.source == 'foureyes'
  end, vim.diagnostic.get(bufnr or 0))
  table.sort(found, function(a, b)
    return a.lnum < b.lnum
  end)
  return found
end

local function describe(bufnr)
  local parts = {}
  for _, d in ipairs(H.diagnostics(bufnr)) do
    table.insert(parts, ('%s lines %d-%d severity %s'):format(d.code, d.lnum + 1, d.end_lnum + 1, d.severity))
  end
  local clients = require('foureyes.lsp').clients()
  local messages = {}
  for _, m in ipairs(H.messages) do
    table.insert(messages, m.message)
  end
  return ('foureyes diagnostics: [%s]; foureyes clients: %d; messages: [%s]'):format(
    table.concat(parts, ', '),
    #clients,
    table.concat(messages, ' | ')
  )
end

function H.fail(message)
  error(('FAILED: %s\n  %s'):format(message, describe(0)), 0)
end

function H.check(condition, message)
  if not condition then
    H.fail(message)
  end
end

--- Wait (processing events, so LSP messages arrive) until predicate() holds.
function H.wait_for(step, predicate, timeout_ms)
  local ok = vim.wait(timeout_ms or H.env.wait_ms, function()
    local good, result = pcall(predicate)
    return good and result
  end, 50)
  if not ok then
    H.fail(('timed out after %d ms waiting for: %s'):format(timeout_ms or H.env.wait_ms, step))
  end
  local now = vim.uv.hrtime()
  table.insert(H.timings, { step, math.floor((now - last_step) / 1e6) / 1000 })
  last_step = now
end

function H.git(...)
  local out = vim.fn.system({ 'git', '-C', H.env.repo, ... })
  H.check(vim.v.shell_error == 0, 'git ' .. table.concat({ ... }, ' ') .. ' failed: ' .. out)
  return out
end

function H.has_message(pattern, level)
  for _, m in ipairs(H.messages) do
    if m.message:find(pattern) and (level == nil or m.level == level) then
      return true
    end
  end
  return false
end

--- Stop the clients (so the servers exit with the editor) and print the result line.
function H.finish(result)
  local clients = require('foureyes.lsp').clients()
  for _, client in ipairs(clients) do
    vim.lsp.stop_client(client.id)
  end
  vim.wait(5000, function()
    return #require('foureyes.lsp').clients() == 0
  end, 50)
  result.timings = H.timings
  result.total_seconds = math.floor((vim.uv.hrtime() - H.started) / 1e6) / 1000
  io.stdout:write(vim.json.encode(result) .. '\n')
end

return H
