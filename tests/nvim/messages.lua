-- Every :FourEyes subcommand, typed into a Neovim with a screen (tests/nvim/ui.lua: an
-- embedded nvim at 80x24 with the defaults of `-u NONE`: 'cmdheight' 1, 'ruler' and
-- 'showcmd' on, Neovim's own vim.notify), ends with its outcome on the command line
-- and no hit-enter prompt.
--
-- After typing a command the script polls the child: nvim_get_mode() answers even
-- while a prompt waits (it is a "fast" function), and mode 'r' (or 'rm', 'r?') is
-- exactly "Press ENTER", --more-- or a confirm prompt. A step is done when its
-- message is drawn on the last screen row; the script then waits a little longer
-- (a second message would scroll the first into a prompt) and asks again.
--
-- Same repository as review_flow.lua: app.py lines 5-11 by claude-code, other.py lines
-- 2-3 by codex, dana@example.com as git's user.
local here = debug.getinfo(1, 'S').source:sub(2):match('(.*/)')
local H = dofile(here .. 'helpers.lua')
local UI = dofile(here .. 'ui.lua')

local SETTLE_MS = 400
vim.opt.runtimepath:prepend(H.env.plugin) -- for H.finish; this nvim runs no client
local ui = UI.start({ cwd = H.env.repo })
local result = { steps = {} }

ui:lua(
  [[
  local plugin, cmd, path = ...
  vim.opt.runtimepath:prepend(plugin)
  vim.cmd('filetype on')
  vim.cmd('runtime plugin/foureyes.lua')
  require('foureyes').setup({ cmd = { cmd, 'serve' } })
  vim.cmd.edit(vim.fn.fnameescape(path))
]],
  H.env.plugin,
  H.env.cmd,
  H.env.repo .. '/app.py'
)
H.wait_for('the embedded nvim shows the ai-unreviewed diagnostic', function()
  return ui:lua([[return #vim.diagnostic.get(0, { lnum = 4 }) == 1]])
end)
result.echospace = ui:lua('return vim.v.echospace')
result.cmdheight = ui:lua('return vim.o.cmdheight')
result.notify_source = ui:lua([[return debug.getinfo(vim.notify, 'S').source]])

local function at(line)
  ui:lua('vim.api.nvim_win_set_cursor(0, { ..., 0 })', line)
end

--- Type `keys`, wait for `expect` (a Lua pattern) on the last row or for a prompt.
local function step(keys, expect)
  ui:input(keys)
  local outcome = { keys = keys }
  local deadline = vim.uv.now() + H.env.wait_ms
  while true do
    vim.wait(50)
    local mode = ui:mode().mode
    local last = ui:line(ui.rows - 1)
    if mode:sub(1, 1) == 'r' then
      outcome.prompt, outcome.screen = mode, ui:screen()
      ui:input('<CR>')
      break
    end
    if last:find(expect) then
      vim.wait(SETTLE_MS)
      mode = ui:mode().mode
      if mode:sub(1, 1) == 'r' then
        outcome.prompt, outcome.screen = mode, ui:screen()
        ui:input('<CR>')
      end
      outcome.message = ui:line(ui.rows - 1)
      break
    end
    if vim.uv.now() > deadline then
      outcome.timed_out, outcome.screen = true, ui:screen()
      break
    end
  end
  outcome.mode = ui:mode().mode
  table.insert(result.steps, outcome)
  io.stderr:write(vim.json.encode(outcome) .. '\n')
end

-- Dana recorded the code: the server refuses her approval (its longest message).
at(5)
step(':FourEyes approve<CR>', 'four eyes')
step(':FourEyes requestReview please check the retry logic<CR>', 'Requested senior review')
step(':15,17FourEyes markAi codex<CR>', 'Marked app%.py:15%-17 as AI')
at(16)
step(':FourEyes markHuman<CR>', 'human%-written')
step(':FourEyes requestReviewForFile before the release<CR>', 'Requested review for')
H.git('config', 'user.email', 'sam@example.com')
at(8)
step(':FourEyes requestChanges please rename these<CR>', 'Requested changes')
at(16)
step(':FourEyes approve<CR>', 'Approved app%.py:15%-17')
at(1)
step(':FourEyes approve<CR>', 'not inside an AI')
step(':FourEyes bogus<CR>', 'unknown subcommand')
step(':FourEyes queue<CR>', 'review queue')
result.quickfix_items = ui:lua('return #vim.fn.getqflist()')

ui:stop()
H.finish(result)
