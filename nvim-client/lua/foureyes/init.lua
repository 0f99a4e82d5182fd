-- foureyes for Neovim: shows which lines an AI agent wrote and whether a senior
-- reviewed them, through the `foureyes serve` language server.
--
--   require('foureyes').setup({
--     cmd = { 'foureyes', 'serve' },
--     filetypes = { 'python', 'go' },
--     settings = { severity = { unreviewed = 'warning' } },
--   })
--
-- Modules: config (options), lsp (starting and talking to the server, all version
-- differences), commands (:FourEyes), lenses (code lenses kept current), queue
-- (review queue -> quickfix), health (:checkhealth foureyes).
local M = {}

--- Configure and start the client. Safe to call more than once (the last call wins).
---@param opts table|nil see README.md
function M.setup(opts)
  local options = require('foureyes.config').resolve(opts)
  require('foureyes.commands').create()
  require('foureyes.lenses').create()
  if options.autostart then
    require('foureyes.lsp').enable(options)
  end
  return M
end

--- Run a server command, e.g. execute('foureyes.approve', { uri = uri, line = 12 }).
function M.execute(command, argument, bufnr, on_done)
  return require('foureyes.commands').execute(command, argument, bufnr, on_done)
end

--- Fill the quickfix list with the review queue.
function M.queue(opts)
  return require('foureyes.queue').open(opts)
end

return M
