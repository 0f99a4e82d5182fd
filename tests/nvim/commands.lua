-- Every :FourEyes subcommand, with the client started the pre-0.11 way (a FileType
-- autocommand calling vim.lsp.start, forced by native = false) and with settings
-- passed through setup().
--
-- Same repository as review_flow.lua: app.py lines 5-11 by claude-code, other.py
-- lines 2-3 by codex, dana@example.com as git's user; ../loose.py is outside it.
local here = debug.getinfo(1, 'S').source:sub(2):match('(.*/)')
local H = dofile(here .. 'helpers.lua')

H.load_plugin()
require('foureyes').setup({
  cmd = { H.env.cmd, 'serve' },
  native = false,
  settings = { severity = { unreviewed = 'warning', changesRequested = 'error' } },
  queue = { open = false },
})

local lsp = require('foureyes.lsp')
local ERROR = vim.log.levels.ERROR
local result = {}

vim.cmd.edit(vim.fn.fnameescape(H.env.repo .. '/app.py'))
local bufnr = vim.api.nvim_get_current_buf()
H.wait_for('the foureyes client attaches to app.py', function()
  return lsp.client_for(bufnr) ~= nil
end)

-- Settings reach the server: unreviewed regions are warnings here, not hints.
H.wait_for('an ai-unreviewed warning on lines 5-11', function()
  local found = H.diagnostics(bufnr)
  return #found == 1
    and found[1].code == 'ai-unreviewed'
    and found[1].severity == vim.diagnostic.severity.WARN
end)

-- Code lenses come on this way of starting too, without a refresh of the user's own.
H.wait_for('a code lens on the region', function()
  return #vim.lsp.codelens.get(bufnr) > 0
end)

-- A file outside any git repository gets no client.
vim.cmd.edit(vim.fn.fnameescape(vim.fs.dirname(H.env.repo) .. '/loose.py'))
local loose = vim.api.nvim_get_current_buf()
vim.wait(500)
H.check(lsp.client_for(loose) == nil, 'a file outside any repository must not start foureyes')
H.check(#lsp.clients() == 1, 'one client per repository')
vim.cmd.buffer(bufnr)

-- Four eyes: Dana recorded the code, so the server refuses her approval.
vim.api.nvim_win_set_cursor(0, { 5, 0 })
vim.cmd('FourEyes approve')
H.wait_for('the server refuses the author approving her own AI code', function()
  return H.has_message('four eyes', ERROR)
end)

-- markAi on a range, then markHuman on the region under the cursor.
vim.cmd('15,17FourEyes markAi codex')
H.wait_for(':15,17FourEyes markAi adds a second region', function()
  local found = H.diagnostics(bufnr)
  return #found == 2 and found[2].lnum == 14 and found[2].end_lnum == 16
end)
vim.api.nvim_win_set_cursor(0, { 16, 0 })
vim.cmd('FourEyes markHuman')
-- Nobody turns AI lines into human lines alone: the region stays until someone else
-- approves it.
H.wait_for(':FourEyes markHuman records the claim and the region stays', function()
  return H.has_message('as human%-written') and #H.diagnostics(bufnr) == 2
end)
H.git('config', 'user.email', 'sam@example.com')
vim.cmd('FourEyes approve')
H.wait_for(':FourEyes approve by another person settles it', function()
  return #H.diagnostics(bufnr) == 1
end)
H.git('config', 'user.email', 'dana@example.com')

vim.cmd('FourEyes requestReviewForFile before the release')
H.wait_for(':FourEyes requestReviewForFile requests review', function()
  local found = H.diagnostics(bufnr)
  return #found == 1 and found[1].code == 'ai-review-requested'
end)

-- Sam asks for changes; the settings make that an error.
H.git('config', 'user.email', 'sam@example.com')
vim.api.nvim_win_set_cursor(0, { 8, 0 })
vim.cmd('FourEyes requestChanges please rename these')
H.wait_for(':FourEyes requestChanges as another person', function()
  local found = H.diagnostics(bufnr)
  return #found == 1
    and found[1].code == 'ai-changes-requested'
    and found[1].severity == vim.diagnostic.severity.ERROR
end)

-- Outside a region, the server says so.
vim.api.nvim_win_set_cursor(0, { 1, 0 })
vim.cmd('FourEyes approve')
H.wait_for('approving outside any AI region is refused', function()
  return H.has_message('not inside an AI%-written region', ERROR)
end)

vim.cmd('FourEyes bogus')
H.check(H.has_message('unknown subcommand "bogus"', ERROR), 'an unknown subcommand is reported')
result.completion = require('foureyes.commands').complete('req', 'FourEyes req')

-- The Lua API: the queue without opening the window (queue.open = false).
local items
require('foureyes').queue({
  on_done = function(found)
    items = found
  end,
})
H.wait_for('the review queue answers', function()
  return items ~= nil
end)
result.queue_texts = vim.tbl_map(function(item)
  return item.text
end, items)
result.quickfix_window_open = vim.fn.getqflist({ winid = 0 }).winid ~= 0

vim.cmd('checkhealth foureyes')
result.health = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')

H.finish(result)
