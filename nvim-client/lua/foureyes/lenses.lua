-- Code lenses: the server puts a status lens (and Approve, when you may) on the first
-- line of each AI region. Neovim shows lenses only when something asks for them, so
-- this module asks: when a foureyes client attaches to a buffer, whenever the buffer's
-- foureyes diagnostics change (the server publishes them after each edit and each
-- ledger change), and when the server sends workspace/codeLens/refresh (the ledger
-- changed in another process: the CLI, an agent hook, another editor).
--
-- Neovim's own vim.lsp.codelens stores and draws them (vim.lsp.codelens.get() and
-- .run() work as for any server). The request itself is made here rather than with
-- vim.lsp.codelens.refresh(): that asks every server attached to the buffer, and while
-- one request is in flight it drops further refreshes, so a ledger change that landed
-- during a request left the lens stale. Here a refresh asked for meanwhile runs once
-- the answer is in.
local lsp = require('foureyes.lsp')

local M = {}

M.refresh_method = 'workspace/codeLens/refresh'

local pending = {} -- bufnr -> 'running' | 'again'

local function provides_lenses(client)
  return client ~= nil and (client.server_capabilities or {}).codeLensProvider ~= nil
end

--- Ask the foureyes client for a buffer's lenses and show them.
---@param bufnr integer
---@param client table|nil the foureyes client (default: the one attached to bufnr)
function M.refresh(bufnr, client)
  if not vim.api.nvim_buf_is_loaded(bufnr) then
    return
  end
  client = client or lsp.client_for(bufnr)
  if not provides_lenses(client) then
    return
  end
  if pending[bufnr] then
    pending[bufnr] = 'again' -- the answer on its way may predate what changed
    return
  end
  pending[bufnr] = 'running'
  local params = { textDocument = vim.lsp.util.make_text_document_params(bufnr) }
  local sent = lsp.request(client, 'textDocument/codeLens', params, function(err, result, ctx)
    local again = pending[bufnr] == 'again'
    pending[bufnr] = nil
    if vim.api.nvim_buf_is_loaded(bufnr) then
      ctx = vim.tbl_extend('keep', ctx or {}, { bufnr = bufnr, client_id = client.id })
      vim.lsp.codelens.on_codelens(err, result, ctx)
    end
    if again then
      M.refresh(bufnr)
    end
  end, bufnr)
  if not sent then
    pending[bufnr] = nil
  end
end

--- The client's handler for workspace/codeLens/refresh: every buffer it serves asks
--- again. Answers the request with null.
function M.on_refresh(_, _, ctx)
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  if client then
    vim.schedule(function()
      for _, bufnr in ipairs(lsp.buffers(client)) do
        M.refresh(bufnr, client)
      end
    end)
  end
  return vim.NIL
end

-- Whether a DiagnosticChanged event can concern foureyes: its diagnostics, or a list
-- that was emptied (then whose it was is not known; asking costs one request).
local function about_foureyes(args)
  local diagnostics = args.data and args.data.diagnostics
  if diagnostics == nil or #diagnostics == 0 then
    return true
  end
  for _, diagnostic in ipairs(diagnostics) do
    if diagnostic.source == lsp.name then
      return true
    end
  end
  return false
end

--- The autocommands that keep lenses current (idempotent: plugin/foureyes.lua and
--- setup() both call it), and a first refresh of buffers already attached.
function M.create()
  local group = vim.api.nvim_create_augroup('foureyes_lenses', { clear = true })
  vim.api.nvim_create_autocmd('LspAttach', {
    group = group,
    desc = 'foureyes: show code lenses',
    callback = function(args)
      local client = vim.lsp.get_client_by_id(args.data.client_id)
      if client and client.name == lsp.name then
        M.refresh(args.buf, client)
      end
    end,
  })
  vim.api.nvim_create_autocmd('DiagnosticChanged', {
    group = group,
    desc = 'foureyes: code lenses follow the diagnostics',
    callback = function(args)
      local client = lsp.client_for(args.buf)
      if client and about_foureyes(args) then
        M.refresh(args.buf, client)
      end
    end,
  })
  vim.api.nvim_create_autocmd('LspDetach', {
    group = group,
    callback = function(args)
      pending[args.buf] = nil
    end,
  })
  for _, client in ipairs(lsp.clients()) do
    for _, bufnr in ipairs(lsp.buffers(client)) do
      M.refresh(bufnr, client)
    end
  end
end

return M
