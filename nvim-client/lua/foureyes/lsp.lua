-- Starting `foureyes serve` and talking to it, across Neovim 0.8 to 0.11+.
--
-- The client API changed between versions (get_active_clients -> get_clients,
-- client.request -> client:request, vim.lsp.start -> vim.lsp.config/enable); every
-- version check lives in this file so the other modules stay version-free.
local M = {}

M.name = 'foureyes'

--- How setup() starts clients: 'native' (vim.lsp.config + vim.lsp.enable), 'start'
--- (vim.lsp.start from a FileType autocommand), or nil when setup() did not start any
--- (the user may have called vim.lsp.enable('foureyes') directly).
M.started_by = nil

local has_011 = vim.fn.has('nvim-0.11') == 1

--- The repository root of a buffer's file, or nil (no file, or not in a git repository).
--- The server answers per repository, so the client's root_dir is the git root.
---@param bufnr integer
---@return string|nil
function M.git_root(bufnr)
  if not vim.api.nvim_buf_is_valid(bufnr) or vim.bo[bufnr].buftype ~= '' then
    return nil
  end
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == '' then
    return nil
  end
  if vim.fs.root then -- 0.10+
    return vim.fs.root(bufnr, '.git')
  end
  -- `.git` is a directory in a clone and a file in a worktree or submodule.
  local found = vim.fs.find('.git', { upward = true, path = vim.fs.dirname(name) })[1]
  return found and vim.fs.dirname(found) or nil
end

local lenses_refresh = 'workspace/codeLens/refresh'

--- The client table shared by both ways of starting (without root_dir).
---@param options table resolved plugin options
function M.client_config(options)
  local config = {
    name = M.name,
    cmd = options.cmd,
    filetypes = options.filetypes,
    -- Neovim (0.11) does not advertise this itself: with it the server asks for fresh
    -- lenses when the ledger changes (lenses.lua answers).
    capabilities = { workspace = { codeLens = { refreshSupport = true } } },
    handlers = {
      [lenses_refresh] = function(...)
        return require('foureyes.lenses').on_refresh(...)
      end,
      -- One line through vim.notify, not Neovim's two-line echo with a hit-enter prompt.
      ['window/showMessage'] = function(...)
        return require('foureyes.message').on_show_message(...)
      end,
    },
  }
  -- Empty settings are left out, not sent: Neovim encodes an empty Lua table as a JSON
  -- array, which the server would reject as "settings must be an object".
  if next(options.settings or {}) ~= nil then
    -- Answered from here when the server asks for the `foureyes` section
    -- (workspace/configuration).
    config.settings = { [M.name] = options.settings }
    -- Also sent at initialize, so the first diagnostics already use the settings.
    config.init_options = { settings = options.settings }
  end
  return config
end

--- Attach foureyes to one buffer with vim.lsp.start (Neovim 0.8+). A client is reused
--- per repository: vim.lsp.start matches on name and root_dir.
---@param bufnr integer
---@param options table
---@return integer|nil client id
function M.start(bufnr, options)
  local root = M.git_root(bufnr)
  if not root then
    return nil
  end
  local config = M.client_config(options)
  config.filetypes = nil -- vim.lsp.start does not filter; the autocommand did
  -- Before 0.11 a client's capabilities replace the defaults rather than extend them.
  -- (On the native path they are left partial, so vim.lsp.config('*', ...) still counts.)
  config.capabilities =
    vim.tbl_deep_extend('force', vim.lsp.protocol.make_client_capabilities(), config.capabilities)
  config.root_dir = root
  return vim.lsp.start(config, { bufnr = bufnr })
end

local function root_dir(bufnr, on_dir)
  local root = M.git_root(bufnr)
  if root then -- outside a repository there is nothing to report: do not start
    on_dir(root)
  end
end

--- The table for vim.lsp.config (0.11+). root_dir is a function so that buffers
--- outside any git repository never start a server.
function M.native_config(options)
  local config = M.client_config(options)
  config.root_dir = root_dir
  return config
end

--- Start foureyes for matching buffers from now on, and for those already open.
---@param options table
function M.enable(options)
  local native = options.native
  if native == nil then
    native = has_011 and vim.lsp.config ~= nil and vim.lsp.enable ~= nil
  end
  if native then
    vim.lsp.config(M.name, M.native_config(options))
    vim.lsp.enable(M.name)
    M.started_by = 'native'
    return
  end
  M.started_by = 'start'
  local group = vim.api.nvim_create_augroup('foureyes_lsp', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = options.filetypes,
    desc = 'foureyes: start the language server',
    callback = function(args)
      M.start(args.buf, options)
    end,
  })
  -- setup() may run after files were opened (lazy loading on an event or a command).
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if
      vim.api.nvim_buf_is_loaded(bufnr)
      and vim.tbl_contains(options.filetypes, vim.bo[bufnr].filetype)
    then
      M.start(bufnr, options)
    end
  end
end

--- The command a foureyes client is started with, and where it comes from: on 0.11+
--- unless setup() chose vim.lsp.start, vim.lsp.enable reads vim.lsp.config.foureyes
--- (lsp/foureyes.lua with the user's vim.lsp.config() calls layered on top);
--- otherwise the plugin's options.
---@return string[]|function|nil cmd
---@return string source
function M.command()
  if M.started_by ~= 'start' and type(vim.lsp.config) == 'table' then
    local ok, native = pcall(function()
      return vim.lsp.config[M.name]
    end)
    if ok and type(native) == 'table' and native.cmd ~= nil then
      return native.cmd, "vim.lsp.config('foureyes')"
    end
  end
  return require('foureyes.config').options.cmd, M.started_by and 'setup()' or 'the default'
end

--- Whether anything will start a client: setup() did, or (0.11+) vim.lsp.enable('foureyes')
--- was called. nil when this Neovim cannot tell.
---@return boolean|nil
function M.enabled()
  if M.started_by ~= nil then
    return true
  end
  if vim.lsp.is_enabled then -- 0.11+
    return vim.lsp.is_enabled(M.name)
  end
  return nil
end

--- Run a short command and wait for it: { code, stdout, stderr }, or nil where Neovim
--- has no vim.system (before 0.10) or the command cannot be started.
---@param args string[]
---@param timeout_ms integer
function M.run(args, timeout_ms)
  if not vim.system then
    return nil
  end
  local ok, done = pcall(function()
    return vim.system(args, { text = true }):wait(timeout_ms)
  end)
  return ok and done or nil
end

--- foureyes clients, optionally only those attached to a buffer.
---@param bufnr integer|nil
function M.clients(bufnr)
  local filter = { name = M.name, bufnr = bufnr }
  if vim.lsp.get_clients then -- 0.10+
    return vim.lsp.get_clients(filter)
  end
  return vim.lsp.get_active_clients(filter)
end

--- The buffers a client is attached to.
---@return integer[]
function M.buffers(client)
  if client.attached_buffers then
    return vim.tbl_keys(client.attached_buffers)
  end
  return vim.lsp.get_buffers_by_client_id(client.id)
end

--- The foureyes client attached to a buffer (0: the current one), or nil.
function M.client_for(bufnr)
  if bufnr == nil or bufnr == 0 then
    bufnr = vim.api.nvim_get_current_buf()
  end
  return M.clients(bufnr)[1]
end

--- Send a request. Passing bufnr makes Neovim flush that buffer's pending changes
--- first, so the server sees the text the user sees.
---@param handler fun(err: table|nil, result: any, ctx: table)
function M.request(client, method, params, handler, bufnr)
  if has_011 then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

return M
