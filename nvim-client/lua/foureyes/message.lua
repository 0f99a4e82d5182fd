-- What the plugin tells the user, and the server's window/showMessage: one line each,
-- through vim.notify, so that a :FourEyes command never ends in "Press ENTER".
--
-- Neovim's own vim.notify echoes in the message area, and a message with a newline,
-- or wider than the room left on the command line (v:echospace, plus the full lines
-- a 'cmdheight' above 1 adds), asks for Enter. So messages are made one line, and with
-- Neovim's own vim.notify a line that does not fit is cut to fit, ending in "…". A
-- vim.notify of a plugin's (nvim-notify, noice, fidget, ...) gets the whole line.
local M = {}

M.prefix = 'foureyes: '

-- LSP MessageType -> vim.log.levels
M.levels = {
  vim.log.levels.ERROR,
  vim.log.levels.WARN,
  vim.log.levels.INFO,
  vim.log.levels.DEBUG,
}

--- Text on one line: newlines and runs of blanks become one space.
---@param text any
---@return string
function M.one_line(text)
  return (vim.trim(tostring(text)):gsub('%s+', ' '))
end

-- Whether vim.notify is still Neovim's own (defined in vim/_editor.lua), which echoes.
local function builtin_notify()
  local info = debug.getinfo(vim.notify, 'S')
  return info ~= nil and (info.source or ''):find('vim/_editor%.lua$') ~= nil
end

--- The columns an echoed message may take without a hit-enter prompt.
function M.room()
  local room = vim.v.echospace
  if vim.o.cmdheight > 1 then
    room = room + (vim.o.cmdheight - 1) * vim.o.columns
  end
  return math.max(room, 1)
end

--- `text` cut to `width` display cells, the last being "…", when it is wider.
function M.fit(text, width)
  if vim.fn.strdisplaywidth(text) <= width then
    return text
  end
  local chars = math.max(width - 1, 0)
  local cut = vim.fn.strcharpart(text, 0, chars)
  while chars > 0 and vim.fn.strdisplaywidth(cut) > width - 1 do
    chars = chars - 1
    cut = vim.fn.strcharpart(text, 0, chars)
  end
  return cut .. '…'
end

--- Tell the user something: "foureyes: <message>" on one line.
---@param message any
---@param level integer|nil vim.log.levels (INFO)
function M.notify(message, level)
  local text = M.prefix .. M.one_line(message)
  if builtin_notify() then
    text = M.fit(text, M.room())
  end
  vim.notify(text, level or vim.log.levels.INFO, { title = 'foureyes' })
end

--- The client's window/showMessage handler: the server's outcome of each command
--- (`Approved app.py:5-11 — ...`, or why it refused), and its warnings.
function M.on_show_message(_, params)
  if type(params) == 'table' and params.message then
    M.notify(params.message, M.levels[params.type] or vim.log.levels.INFO)
  end
  return vim.NIL
end

return M
