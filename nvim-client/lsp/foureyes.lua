-- Neovim 0.11+ reads this file for vim.lsp.config('foureyes') when the plugin is on
-- 'runtimepath', so `vim.lsp.enable('foureyes')` works without calling setup().
-- Override any field with vim.lsp.config('foureyes', { ... }).
local config = require('foureyes.config')
-- Defaults only: setup() layers its options on top with vim.lsp.config('foureyes', ...).
return require('foureyes.lsp').native_config(config.build(nil))
