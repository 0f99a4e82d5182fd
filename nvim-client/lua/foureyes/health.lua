-- :checkhealth foureyes
local M = {}

-- vim.health.start/ok/... are 0.10+; 0.8 and 0.9 have report_start/report_ok/...
local health = vim.health or require('health')
local start = health.start or health.report_start
local ok = health.ok or health.report_ok
local warn = health.warn or health.report_warn
local fail = health.error or health.report_error
local info = health.info or health.report_info

function M.check()
  start('foureyes')
  if vim.fn.has('nvim-0.10') == 1 then
    ok('Neovim ' .. tostring(vim.version()))
  elseif vim.fn.has('nvim-0.8') == 1 then
    warn('Neovim older than 0.10: supported on a best-effort basis (vim.lsp.start path)')
  else
    fail('Neovim 0.8 or newer is required')
  end

  local options = require('foureyes.config').options
  local exe = options.cmd[1]
  if vim.fn.executable(exe) == 1 then
    ok(('server command: %s'):format(table.concat(options.cmd, ' ')))
  else
    fail(
      ('%q is not executable'):format(exe),
      { 'pip install /path/to/foureyes-checkout, or pass setup({ cmd = { "/path/to/venv/bin/foureyes", "serve" } })' }
    )
  end
  if vim.fn.executable('git') == 1 then
    ok('git found')
  else
    fail('git is not on $PATH; foureyes needs it to find repositories and who you are')
  end

  local clients = require('foureyes.lsp').clients()
  if #clients == 0 then
    info('no foureyes client running (open a file of a configured filetype in a git repository)')
  end
  for _, client in ipairs(clients) do
    ok(('client %d running for %s'):format(client.id, client.config.root_dir or '?'))
  end
end

return M
