-- The plugin's options: defaults, and the resolved table the other modules read.
--
-- Kept apart from init.lua so that lsp/foureyes.lua (Neovim 0.11's native config
-- file) can build a client config without running setup().
local M = {}

-- The languages foureyes analyses (its tree-sitter grammars). The engine itself is
-- line based, so adding any other filetype here works too.
M.filetypes = {
  'python',
  'javascript',
  'javascriptreact',
  'typescript',
  'typescriptreact',
  'go',
  'rust',
  'java',
}

M.defaults = {
  -- How to start the server. Use an absolute path when foureyes lives in a virtualenv
  -- that is not on Neovim's $PATH.
  cmd = { 'foureyes', 'serve' },
  filetypes = M.filetypes,
  -- The server's `foureyes` settings section, e.g.
  -- { severity = { unreviewed = 'warning' }, codeLens = true }. Severity keys, one per
  -- review state: unreviewed, reviewRequested, partiallyApproved, changesRequested;
  -- the server validates them; an unset one (or 'policy') follows the policy's risk levels.
  settings = {},
  -- true: vim.lsp.config + vim.lsp.enable (Neovim 0.11+); false: a FileType
  -- autocommand calling vim.lsp.start (0.8+). nil picks the native way when available.
  native = nil,
  -- Start the client from setup(); false leaves starting it to you.
  autostart = true,
  queue = {
    open = true, -- open the quickfix window after :FourEyes queue
  },
}

-- The `foureyes` section itself, whichever shape the user wrote it in.
local function settings_section(settings)
  if type(settings) ~= 'table' then
    return {}
  end
  -- Accept both the bare section and lspconfig's `{ foureyes = { ... } }` shape.
  if type(settings.foureyes) == 'table' then
    return settings.foureyes
  end
  return settings
end

--- Options from what the user passed to setup(), without storing them.
---@param opts table|nil
---@return table
function M.build(opts)
  opts = opts or {}
  local options = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts)
  -- Lists are replaced, never merged: before 0.11, tbl_deep_extend merged them index
  -- by index, so a one-word cmd would have kept the default's 'serve'.
  for _, key in ipairs({ 'cmd', 'filetypes' }) do
    if opts[key] ~= nil then
      options[key] = vim.deepcopy(opts[key])
    end
  end
  options.settings = settings_section(opts.settings)
  return options
end

--- Build the options and make them the ones the plugin uses.
function M.resolve(opts)
  M.options = M.build(opts)
  return M.options
end

M.options = M.build(nil)

return M
