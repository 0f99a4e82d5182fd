-- :checkhealth foureyes when the server is set up the documented Neovim 0.11 way,
-- without setup(): vim.lsp.config('foureyes', { cmd = ... }) and vim.lsp.enable('foureyes'),
-- with $PATH holding no `foureyes` (tests/test_nvim.py takes it out), so only the
-- command from vim.lsp.config can be right.
--
-- 1. cmd = { <the venv's python>, '-m', 'foureyes', 'serve' }: the client starts, and
--    the report says so without an ERROR.
-- 2. cmd = { '/nonexistent/...', 'serve' }: truly missing, an ERROR naming it.
-- 3. cmd = { '/bin/false', 'serve' }: executable, but it is no foureyes: an ERROR.
-- 4. cmd = a function (e.g. vim.lsp.rpc.connect): cannot be checked, and says so, no ERROR.
local here = debug.getinfo(1, 'S').source:sub(2):match('(.*/)')
local H = dofile(here .. 'helpers.lua')

H.load_plugin()
local lsp = require('foureyes.lsp')
local result = {}

local python = assert(os.getenv('FOUREYES_PYTHON'), 'FOUREYES_PYTHON is not set')
H.check(vim.fn.executable('foureyes') == 0, 'the test needs a $PATH without foureyes on it')

--- The report of `:checkhealth foureyes`, as text; its buffer is closed afterwards.
local function health()
  vim.cmd('checkhealth foureyes')
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
  vim.cmd('bwipeout!')
  return text
end

-- 1. The documented setup, verbatim but for the paths (nvim-client/README.md).
vim.lsp.config('foureyes', { cmd = { python, '-m', 'foureyes', 'serve' } })
vim.lsp.enable('foureyes')
vim.cmd.edit(vim.fn.fnameescape(H.env.repo .. '/app.py'))
local bufnr = vim.api.nvim_get_current_buf()
H.wait_for('the foureyes client started from vim.lsp.config attaches to app.py', function()
  return lsp.client_for(bufnr) ~= nil
end)
H.wait_for('its ai-unreviewed diagnostic', function()
  return #H.diagnostics(bufnr) == 1
end)
result.documented = health()

-- Nothing is running for the other cases: the report must judge the command alone.
for _, client in ipairs(lsp.clients()) do
  vim.lsp.stop_client(client.id)
end
H.wait_for('the client stops', function()
  return #lsp.clients() == 0
end)

-- 2. A command that does not exist.
vim.lsp.config('foureyes', { cmd = { '/nonexistent/venv/bin/foureyes', 'serve' } })
result.missing = health()

-- 3. A command that exists but is not foureyes.
vim.lsp.config('foureyes', { cmd = { '/bin/false', 'serve' } })
result.not_foureyes = health()

-- 4. A function (vim.lsp.rpc.connect and the like); never called here.
vim.lsp.config('foureyes', {
  cmd = function()
    error('the test never starts this client')
  end,
})
result.function_cmd = health()

H.finish(result)
