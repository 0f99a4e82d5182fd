-- A second Neovim with a screen: `nvim --embed` started from the headless test script,
-- with this module attached to it as its UI (msgpack-RPC over the child's stdin and
-- stdout, encoded with vim.mpack). A headless Neovim has no UI, so it never shows a
-- hit-enter prompt; an attached UI makes the child behave as in a terminal: an 80x24
-- grid, the default 'cmdheight' of 1, and "Press ENTER" when a message does not fit.
--
--   local ui = UI.start({ cwd = repo })
--   ui:lua('vim.cmd.edit(...)')          -- nvim_exec_lua in the child
--   ui:input(':FourEyes approve<CR>')    -- typed, as a person would
--   ui:mode().mode                       -- 'r': a hit-enter prompt is waiting
--   ui:line(ui.rows - 1)                 -- the command line, as drawn
--
-- The screen is kept from the `redraw` events of the single grid (ext_linegrid, no
-- ext_multigrid or ext_messages, so messages are drawn on the grid as a terminal
-- would show them).
local UI = {}
UI.__index = UI

local REQUEST, RESPONSE, NOTIFICATION = 0, 1, 2

--- opts: rows and cols (80x24), cwd, args (more nvim arguments), timeout_ms (per request).
---@param opts table|nil
function UI.start(opts)
  opts = opts or {}
  local self = setmetatable({
    rows = opts.rows or 24,
    cols = opts.cols or 80,
    timeout_ms = opts.timeout_ms or 10000,
    grid = {},
    replies = {},
    next_id = 1,
    stderr = {},
  }, UI)
  local stdin, stdout, stderr = vim.uv.new_pipe(), vim.uv.new_pipe(), vim.uv.new_pipe()
  local args = { '--embed', '-u', 'NONE', '-i', 'NONE', '-n' }
  vim.list_extend(args, opts.args or {})
  self.process = vim.uv.spawn(vim.v.progpath, {
    args = args,
    cwd = opts.cwd,
    stdio = { stdin, stdout, stderr },
  }, function(code)
    self.exit_code = code
  end)
  assert(self.process, 'could not start ' .. vim.v.progpath .. ' --embed')
  self.stdin = stdin
  local unpack = vim.mpack.Unpacker()
  stdout:read_start(function(_, data)
    local pos = 1
    while data and pos <= #data do
      local message
      message, pos = unpack(data, pos)
      if message == nil then
        break -- the rest of this message comes with the next read
      end
      self:_receive(message)
    end
  end)
  stderr:read_start(function(_, data)
    if data then
      table.insert(self.stderr, data)
    end
  end)
  self:_clear()
  self:request('nvim_ui_attach', self.cols, self.rows, { ext_linegrid = true })
  return self
end

function UI:_clear()
  for row = 0, self.rows - 1 do
    self.grid[row] = {}
  end
end

function UI:_receive(message)
  if message[1] == RESPONSE then
    self.replies[message[2]] = { err = message[3], result = message[4] }
  elseif message[1] == NOTIFICATION and message[2] == 'redraw' then
    for _, batch in ipairs(message[3]) do
      for i = 2, #batch do
        self:_redraw(batch[1], batch[i])
      end
    end
  end
end

-- The grid events of :help ui-linegrid that a single-grid UI receives.
function UI:_redraw(event, a)
  if event == 'grid_resize' then
    self.cols, self.rows = a[2], a[3]
    self:_clear()
  elseif event == 'grid_clear' then
    self:_clear()
  elseif event == 'grid_line' then
    local row, col = a[2], a[3]
    local line = self.grid[row] or {}
    for _, cell in ipairs(a[4]) do
      for _ = 1, cell[3] or 1 do
        line[col] = cell[1]
        col = col + 1
      end
    end
    self.grid[row] = line
  elseif event == 'grid_scroll' then
    local top, bottom, left, right, rows = a[2], a[3], a[4], a[5], a[6]
    local before = {}
    for row = top, bottom - 1 do
      before[row] = self.grid[row] or {}
    end
    for row = top, bottom - 1 do
      local from = before[row + rows]
      local line = vim.deepcopy(before[row])
      for col = left, right - 1 do
        line[col] = from and from[col] or nil
      end
      self.grid[row] = line
    end
  end
end

--- One screen row (0-based) as text, trailing blanks removed.
function UI:line(row)
  local cells, line = {}, self.grid[row] or {}
  for col = 0, self.cols - 1 do
    cells[#cells + 1] = line[col] or ' '
  end
  return (table.concat(cells):gsub('%s+$', ''))
end

function UI:screen()
  local lines = {}
  for row = 0, self.rows - 1 do
    lines[#lines + 1] = self:line(row)
  end
  return lines
end

--- Call an API function in the child and wait for its answer (processing events
--- meanwhile, so redraws arrive). Raises on an error answer or no answer in time; a
--- child waiting at a hit-enter prompt answers only "fast" functions (nvim_get_mode,
--- nvim_input), so ask the mode first.
function UI:request(method, ...)
  local id = self.next_id
  self.next_id = id + 1
  self.stdin:write(vim.mpack.encode({ REQUEST, id, method, { ... } }))
  vim.wait(self.timeout_ms, function()
    return self.replies[id] ~= nil or self.exit_code ~= nil
  end, 10)
  local reply = self.replies[id]
  self.replies[id] = nil
  if reply == nil then
    error(('%s: no answer from the embedded nvim (%s); stderr: %s'):format(
      method,
      self.exit_code and ('it exited with ' .. self.exit_code) or 'timed out',
      table.concat(self.stderr)
    ))
  end
  if reply.err ~= nil and reply.err ~= vim.NIL then
    error(('%s: %s'):format(method, vim.inspect(reply.err)))
  end
  return reply.result
end

function UI:mode()
  return self:request('nvim_get_mode')
end

--- Run Lua in the child: ui:lua('return vim.fn.line(".")'), arguments as `...`.
function UI:lua(code, ...)
  return self:request('nvim_exec_lua', code, { ... })
end

--- Type keys, e.g. ':FourEyes approve<CR>'.
function UI:input(keys)
  return self:request('nvim_input', keys)
end

--- Quit the child (its language servers exit with it) and wait for it.
function UI:stop()
  if self.exit_code == nil then
    self.stdin:write(vim.mpack.encode({ NOTIFICATION, 'nvim_command', { 'qa!' } }))
    vim.wait(5000, function()
      return self.exit_code ~= nil
    end, 20)
  end
  if self.exit_code == nil then
    self.process:kill('sigkill')
  end
end

return UI
