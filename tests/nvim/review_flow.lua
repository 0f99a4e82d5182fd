-- One review, as a user does it in Neovim: the AI region is flagged, the author asks
-- for review with the code action, a second person approves with :FourEyes approve,
-- an edit to an approved line brings the flag back, and :FourEyes queue lists it.
--
-- The repository (made by tests/test_nvim.py) has app.py with lines 5-11 recorded as
-- written by claude-code, other.py lines 2-3 by codex, the VS Code end-to-end test's
-- high-risk file ($FOUREYES_HIGH_RISK) and dana@example.com as git's user. Uses
-- setup()'s default start (vim.lsp.config + vim.lsp.enable on 0.11+) and no settings:
-- severities follow the policy.
local here = debug.getinfo(1, 'S').source:sub(2):match('(.*/)')
local H = dofile(here .. 'helpers.lua')

H.load_plugin()
require('foureyes').setup({ cmd = { H.env.cmd, 'serve' } })

local lsp = require('foureyes.lsp')
local result = { nvim = tostring(vim.version()) }

vim.cmd.edit(vim.fn.fnameescape(H.env.repo .. '/app.py'))
local bufnr = vim.api.nvim_get_current_buf()

H.wait_for('the foureyes client attaches to app.py', function()
  return lsp.client_for(bufnr) ~= nil
end)
result.root_dir = lsp.client_for(bufnr).config.root_dir
-- setup() layered its options over lsp/foureyes.lua (0.11's native config file).
local native = vim.lsp.config.foureyes
result.native = { cmd = native.cmd, root_dir_is_function = type(native.root_dir) == 'function' }

-- 1. The region is flagged.
H.wait_for('an ai-unreviewed diagnostic on lines 5-11', function()
  local found = H.diagnostics(bufnr)
  return #found == 1 and found[1].code == 'ai-unreviewed'
end)
local flagged = H.diagnostics(bufnr)[1]
H.check(flagged.lnum == 4 and flagged.end_lnum == 10, 'the diagnostic should cover lines 5-11')
result.unreviewed_message = flagged.message
result.unreviewed_severity = flagged.severity

-- 2. The author requests review through the code action (Neovim resolves the action,
-- whose command the server leaves out for clients that resolve, then executes it).
vim.api.nvim_win_set_cursor(0, { 6, 0 })
local offered = {}
vim.lsp.buf.code_action({
  apply = true,
  filter = function(action)
    table.insert(offered, action.title)
    return vim.startswith(action.title, 'Request senior review')
  end,
})
H.wait_for('the code action turns the diagnostic into ai-review-requested', function()
  local found = H.diagnostics(bufnr)
  return #found == 1 and found[1].code == 'ai-review-requested'
end)
result.actions_offered = offered

-- 3. Someone else (git's identity is read on every command) approves in the editor.
H.git('config', 'user.email', 'sam@example.com')
H.git('config', 'user.name', 'Sam')
vim.cmd('FourEyes approve looks right to me')
H.wait_for('the approval removes the diagnostic', function()
  return #H.diagnostics(bufnr) == 0 and H.has_message('^foureyes: Approved app.py:5%-11')
end)

-- 4. Changing an approved line voids the approval for it: the region is flagged again.
local line7 = vim.api.nvim_buf_get_lines(bufnr, 6, 7, true)[1]
vim.api.nvim_buf_set_lines(bufnr, 6, 7, true, { line7 .. ' + 1' })
H.wait_for('editing an approved line brings the diagnostic back', function()
  local found = H.diagnostics(bufnr)
  return #found == 1 and found[1].lnum == 4
end)
result.after_edit_code = H.diagnostics(bufnr)[1].code
result.after_edit_message = H.diagnostics(bufnr)[1].message

-- 5. The review queue, as a quickfix list (the edited, unsaved text counts).
vim.cmd('FourEyes queue')
H.wait_for('the review queue fills the quickfix list', function()
  return vim.fn.getqflist({ title = 0 }).title == require('foureyes.queue').title
end)
result.queue = {}
for _, item in ipairs(vim.fn.getqflist()) do
  table.insert(result.queue, {
    file = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(item.bufnr), ':t'),
    lnum = item.lnum,
    end_lnum = item.end_lnum,
    text = item.text,
    type = item.type,
  })
end
result.quickfix_window_open = vim.fn.getqflist({ winid = 0 }).winid ~= 0

-- 6. The high-risk region the VS Code and JetBrains tests check too: with no settings,
-- its severity is the policy's for high risk.
vim.cmd.edit(vim.fn.fnameescape(H.env.repo .. '/' .. assert(os.getenv('FOUREYES_HIGH_RISK'))))
local risky = vim.api.nvim_get_current_buf()
H.wait_for('a diagnostic on the high-risk region', function()
  local found = H.diagnostics(risky)
  return #found == 1 and found[1].code == 'ai-unreviewed' and found[1].message:find('high risk') ~= nil
end)
local high = H.diagnostics(risky)[1]
result.high_risk = { lnum = high.lnum + 1, end_lnum = high.end_lnum + 1, severity = high.severity }

H.finish(result)
