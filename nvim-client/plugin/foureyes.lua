-- Loaded by Neovim at startup for plugins on 'runtimepath'. Defines :FourEyes only;
-- the language server starts from require('foureyes').setup() (or, on 0.11+,
-- vim.lsp.enable('foureyes'), using lsp/foureyes.lua).
if vim.g.loaded_foureyes then
  return
end
vim.g.loaded_foureyes = true

if vim.fn.has('nvim-0.8') ~= 1 then
  vim.notify('foureyes needs Neovim 0.8 or newer (0.10+ recommended)', vim.log.levels.WARN)
  return
end

require('foureyes.commands').create()
-- Code lenses for foureyes clients however they were started (setup() or vim.lsp.enable).
require('foureyes.lenses').create()
