-- Code lenses without any refresh of the user's own: they appear when the client
-- attaches, and follow the ledger when another process changes it (here the CLI's
-- `foureyes approve`, run as a second person while Neovim waits), through the server's
-- workspace/codeLens/refresh request. Started with setup()'s default way (vim.lsp.config
-- and vim.lsp.enable on 0.11).
--
-- Same repository as review_flow.lua: app.py lines 5-11 by claude-code (low risk, one
-- approval needed), dana@example.com as git's user.
local here = debug.getinfo(1, 'S').source:sub(2):match('(.*/)')
local H = dofile(here .. 'helpers.lua')

H.load_plugin()
require('foureyes').setup({ cmd = { H.env.cmd, 'serve' } })

local lsp = require('foureyes.lsp')
local result = {}

vim.cmd.edit(vim.fn.fnameescape(H.env.repo .. '/app.py'))
local bufnr = vim.api.nvim_get_current_buf()
H.wait_for('the foureyes client attaches to app.py', function()
  return lsp.client_for(bufnr) ~= nil
end)
local client = lsp.client_for(bufnr)
local workspace = client.capabilities.workspace or {}
result.refresh_support = (workspace.codeLens or {}).refreshSupport == true

-- The server's refresh requests, counted on their way to the client's handler.
local refreshes = 0
local method = 'workspace/codeLens/refresh'
local handle = client.handlers[method] or vim.lsp.handlers[method]
client.handlers[method] = function(...)
  refreshes = refreshes + 1
  if handle then
    return handle(...)
  end
  return vim.NIL
end

--- The lens titles on the buffer, as Neovim stores them (what it displays).
local function titles()
  local found = {}
  for _, lens in ipairs(vim.lsp.codelens.get(bufnr)) do
    if lens.command then
      table.insert(found, { line = lens.range.start.line + 1, title = lens.command.title })
    end
  end
  table.sort(found, function(a, b)
    return a.line < b.line or (a.line == b.line and a.title < b.title)
  end)
  return found
end

local function shows(pattern)
  for _, lens in ipairs(titles()) do
    if lens.title:find(pattern) then
      return true
    end
  end
  return false
end

-- Nobody called vim.lsp.codelens.refresh().
H.wait_for('lenses on the unreviewed region without a manual refresh', function()
  return shows('not reviewed')
end)
result.before = titles()
-- What the user sees: the lens is drawn as virtual text on the region's first line.
local drawn = {}
for _, mark in ipairs(vim.api.nvim_buf_get_extmarks(bufnr, -1, 0, -1, { details = true })) do
  for _, chunk in ipairs(mark[4].virt_text or {}) do
    if chunk[1]:find('not reviewed') then
      table.insert(drawn, mark[2] + 1)
    end
  end
end
result.drawn_on_lines = drawn

-- Another process approves the region: the CLI, as Sam.
H.git('config', 'user.email', 'sam@example.com')
H.git('config', 'user.name', 'Sam')
-- Counted from here: the watcher's first look at the ledger may have asked already.
local refreshes_before = refreshes
local approve = vim.system({ H.env.cmd, 'approve', 'app.py:5', '--note', 'from the terminal' }, {
  cwd = H.env.repo,
  text = true,
}):wait(H.env.wait_ms)
H.check(approve.code == 0, 'foureyes approve failed: ' .. tostring(approve.stderr))
H.wait_for('the lens follows the ledger to approved', function()
  return shows('· approved ·') and not shows('not reviewed')
end)
result.after = titles()
-- The lens can reach approved first through the diagnostics the approval changes (the
-- plugin asks for lenses whenever they change); the server's own refresh request
-- follows within a ledger poll, and is what other clients rely on.
H.wait_for('the server asks for a lens refresh after the approval', function()
  return refreshes > refreshes_before
end)
result.refresh_requests = refreshes - refreshes_before

-- An edit of an approved line voids the approval for it (review_flow.lua): the lens
-- follows the document too, without a ledger change.
local line7 = vim.api.nvim_buf_get_lines(bufnr, 6, 7, true)[1]
vim.api.nvim_buf_set_lines(bufnr, 6, 7, true, { line7 .. ' + 1' })
H.wait_for('the lens follows the edit away from approved', function()
  return not shows('· approved ·') and shows('request review')
end)
result.after_edit = titles()

H.finish(result)
