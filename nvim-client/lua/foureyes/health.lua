-- :checkhealth foureyes
local M = {}

-- vim.health.start/ok/... are 0.10+; 0.8 and 0.9 have report_start/report_ok/...
local health = vim.health or require('health')
local start = health.start or health.report_start
local ok = health.ok or health.report_ok
local warn = health.warn or health.report_warn
local fail = health.error or health.report_error
local info = health.info or health.report_info

local PROBE_MS = 10000

local ADVICE = {
  'give the full path: '
    .. "vim.lsp.config('foureyes', { cmd = { '/path/to/venv/bin/foureyes', 'serve' } }), "
    .. "or require('foureyes').setup({ cmd = { ... } })",
  'install foureyes where that command finds it: pip install /path/to/foureyes-checkout',
}

local function shown(cmd)
  if type(cmd) == 'function' then
    return '(a function)'
  end
  if type(cmd) == 'table' then
    return table.concat(vim.tbl_map(tostring, cmd), ' ')
  end
  return vim.inspect(cmd)
end

-- The first line of a command's output, for a one-line report.
local function first_line(text)
  return vim.trim(text or ''):match('^[^\n]*') or ''
end

--- Judge the command Neovim will start the server with: it must exist, and (where
--- Neovim can run it, 0.10+) answer `--version` as foureyes.
local function check_command(cmd, source)
  if type(cmd) == 'function' then
    -- vim.lsp.rpc.connect(...) and the like: nothing to look for on disk.
    info(
      ('server command from %s is a function (e.g. vim.lsp.rpc.connect): '):format(source)
        .. 'not checked; a running client below shows that it works'
    )
    return
  end
  if type(cmd) ~= 'table' or type(cmd[1]) ~= 'string' or cmd[1] == '' then
    fail(
      ('server command from %s is not a list of strings: %s'):format(source, vim.inspect(cmd)),
      ADVICE
    )
    return
  end
  local exe = cmd[1]
  if vim.fn.executable(exe) ~= 1 then
    fail(
      ('%q is not executable (server command from %s: %s)'):format(exe, source, shown(cmd)),
      ADVICE
    )
    return
  end
  -- `foureyes serve` -> `foureyes --version`, `python -m foureyes serve` -> `python -m
  -- foureyes --version`: the same program and environment, asked who it is.
  local serve = nil
  for i, part in ipairs(cmd) do
    if part == 'serve' then
      serve = i
      break
    end
  end
  local done, probe = nil, nil
  if serve then
    probe = vim.list_slice(cmd, 1, serve - 1)
    table.insert(probe, '--version')
    done = require('foureyes.lsp').run(probe, PROBE_MS)
  end
  if done == nil then -- no `serve` to swap, or no vim.system: existence is all we know
    ok(('server command: %s (from %s)'):format(shown(cmd), source))
    return
  end
  local version = first_line(done.stdout)
  if done.code == 0 and version:find('^foureyes') then
    ok(('server command: %s (from %s; %s)'):format(shown(cmd), source, version))
    return
  end
  local why = ('exit %d'):format(done.code)
  if done.code == 124 then
    why = ('no answer in %d s'):format(PROBE_MS / 1000)
  elseif first_line(done.stderr) ~= '' then
    why = why .. ': ' .. first_line(done.stderr)
  end
  fail(
    ('server command %s (from %s) does not run foureyes: `%s` gave %s'):format(
      shown(cmd),
      source,
      shown(probe),
      why
    ),
    ADVICE
  )
end

function M.check()
  start('foureyes')
  if vim.fn.has('nvim-0.10') == 1 then
    ok('Neovim ' .. tostring(vim.version()))
  elseif vim.fn.has('nvim-0.8') == 1 then
    warn('Neovim older than 0.10: supported on a best-effort basis (vim.lsp.start path)')
  else
    fail('Neovim 0.8 or newer is required')
  end

  local lsp = require('foureyes.lsp')
  local cmd, source = lsp.command()
  check_command(cmd, source)
  if lsp.enabled() == false then
    warn(
      "nothing starts the client: call require('foureyes').setup() or vim.lsp.enable('foureyes')"
    )
  end
  if vim.fn.executable('git') == 1 then
    ok('git found')
  else
    fail('git is not on $PATH; foureyes needs it to find repositories and who you are')
  end

  local clients = lsp.clients()
  if #clients == 0 then
    info('no foureyes client running (open a file of a configured filetype in a git repository)')
  end
  for _, client in ipairs(clients) do
    local root = client.config.root_dir or '?'
    ok(('client %d running for %s: %s'):format(client.id, root, shown(client.config.cmd)))
  end
end

return M
