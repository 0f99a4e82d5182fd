-- The :FourEyes command: each subcommand runs one of the server's commands
-- (workspace/executeCommand) on the region under the cursor, or fills the quickfix
-- list from the review queue.
--
-- The server decides everything (which region is under the cursor, whether you may
-- approve it) and reports the outcome with window/showMessage, which message.lua shows
-- on one line; this module only reports what the server could not (an unattached
-- buffer, a failed request).
local lsp = require('foureyes.lsp')
local notify = require('foureyes.message').notify

local M = {}

--- Run a server command with one argument object, e.g.
--- execute('foureyes.approve', { uri = ..., line = 5, note = 'ok' }).
---@param command string
---@param argument table
---@param bufnr integer|nil the buffer the command is about (0 or nil: current)
---@param on_done fun(err: table|nil, result: {ok: boolean, message: string}|nil)|nil
---@return boolean sent
function M.execute(command, argument, bufnr, on_done)
  if bufnr == nil or bufnr == 0 then
    bufnr = vim.api.nvim_get_current_buf()
  end
  local client = lsp.client_for(bufnr)
  if not client then
    -- Why is :checkhealth foureyes's to say (a file outside git, a filetype not listed,
    -- a command that fails); one line here.
    notify('not running for this buffer; see :checkhealth foureyes', vim.log.levels.WARN)
    return false
  end
  local params = { command = command, arguments = { argument } }
  lsp.request(client, 'workspace/executeCommand', params, function(err, result)
    if err then
      notify(command .. ' failed: ' .. tostring(err.message), vim.log.levels.ERROR)
    end
    if on_done then
      on_done(err, result)
    end
  end, bufnr)
  return true
end

-- Arguments the server commands take, built from the :FourEyes invocation.
local function at_line(ctx)
  return { uri = vim.uri_from_bufnr(ctx.bufnr), line = ctx.line }
end

local function with_note(ctx)
  local argument = at_line(ctx)
  if ctx.rest ~= '' then
    argument.note = ctx.rest
  end
  return argument
end

--- Subcommands: `command` is the server command, `argument` builds its argument.
M.subcommands = {
  requestReview = { command = 'foureyes.requestReview', argument = with_note, usage = '[note]' },
  approve = { command = 'foureyes.approve', argument = with_note, usage = '[note]' },
  requestChanges = { command = 'foureyes.requestChanges', argument = with_note, usage = '[note]' },
  markHuman = { command = 'foureyes.markHuman', argument = at_line, usage = '' },
  markAi = {
    command = 'foureyes.markAi',
    usage = '[agent]  (on a range: :\'<,\'>FourEyes markAi)',
    argument = function(ctx)
      local argument = { uri = vim.uri_from_bufnr(ctx.bufnr), start = ctx.line1, ['end'] = ctx.line2 }
      if ctx.rest ~= '' then
        argument.agent = ctx.rest
      end
      return argument
    end,
  },
  requestReviewForFile = {
    command = 'foureyes.requestReviewForFile',
    usage = '[note]',
    argument = function(ctx)
      local argument = { uri = vim.uri_from_bufnr(ctx.bufnr) }
      if ctx.rest ~= '' then
        argument.note = ctx.rest
      end
      return argument
    end,
  },
  queue = {
    usage = '',
    run = function()
      require('foureyes.queue').open()
    end,
  },
}

local function usage()
  local lines = { 'usage: :FourEyes {subcommand}' }
  for _, name in ipairs(M.names()) do
    local args = M.subcommands[name].usage
    table.insert(lines, '  ' .. name .. (args ~= '' and ' ' .. args or ''))
  end
  return table.concat(lines, '\n')
end

function M.names()
  local names = vim.tbl_keys(M.subcommands)
  table.sort(names)
  return names
end

--- The :FourEyes handler (opts as nvim_create_user_command passes them).
function M.run(opts)
  local name, rest = (opts.args or ''):match('^%s*(%S*)%s*(.-)%s*$')
  local sub = M.subcommands[name]
  if name == '' then
    -- Asked for: the whole list, on as many lines as it takes (like :ls).
    vim.notify(usage(), vim.log.levels.INFO)
    return
  end
  if not sub then
    notify(('unknown subcommand %q (:FourEyes lists them)'):format(name), vim.log.levels.ERROR)
    return
  end
  if sub.run then
    return sub.run(opts)
  end
  local bufnr = vim.api.nvim_get_current_buf()
  local cursor = vim.api.nvim_win_get_cursor(0)[1]
  -- With a range (`:'<,'>FourEyes approve`), a region is named by the range's first line.
  local line = (opts.range and opts.range > 0) and opts.line1 or cursor
  local ctx = {
    bufnr = bufnr,
    line = line,
    line1 = opts.line1 or cursor,
    line2 = opts.line2 or cursor,
    rest = rest,
  }
  M.execute(sub.command, sub.argument(ctx), bufnr)
end

function M.complete(arglead, cmdline)
  -- Only the subcommand is completed; notes and agent names are free text.
  local before = cmdline:match('FourEyes%s+(.*)$') or ''
  if before:find('%s') then
    return {}
  end
  return vim.tbl_filter(function(name)
    return vim.startswith(name, arglead)
  end, M.names())
end

--- Define :FourEyes (idempotent: plugin/foureyes.lua and setup() both call it).
function M.create()
  vim.api.nvim_create_user_command('FourEyes', M.run, {
    nargs = '*',
    range = true,
    complete = M.complete,
    desc = 'foureyes: review AI-written code (requestReview, approve, requestChanges, '
      .. 'markHuman, markAi, requestReviewForFile, queue)',
  })
end

return M
