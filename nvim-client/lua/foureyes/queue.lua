-- :FourEyes queue: every AI region in the workspace's repositories (the server's
-- foureyes/reviewQueue request) as a quickfix list, one entry per region.
local config = require('foureyes.config')
local lsp = require('foureyes.lsp')
local notify = require('foureyes.message').notify

local M = {}

M.title = 'foureyes review queue'

-- Quickfix types make waiting-on-you regions stand out in the list.
local TYPES = {
  ['changes-requested'] = 'W',
  ['partially-approved'] = 'I',
  ['review-requested'] = 'I',
  unreviewed = 'I',
  approved = 'N',
}

-- The state as the entry shows it: a partially approved region also says how far it
-- got ("partially-approved 1 of 2"), so a reviewer sees that one more approval ends it.
local function state_text(review)
  local state = review.state or '?'
  if state == 'partially-approved' then
    local got, needed = tonumber(review.approvals), tonumber(review.approvals_required)
    if got and needed then
      return ('%s %d of %d'):format(state, got, needed)
    end
  end
  return state
end

-- The unit's risk level, which decides how many approvals it needs: "high risk".
local function risk_text(risk)
  local level = type(risk) == 'table' and risk.level or nil
  if type(level) ~= 'string' or level == '' then
    return 'risk unknown'
  end
  return level .. ' risk'
end

--- Quickfix items for the regions of a reviewQueue answer, sorted by file and line.
--- Each entry's text is `state · risk · agents`, e.g. `unreviewed · high risk · codex`.
---@param regions table[] the answer's `regions`
---@return table[]
function M.items(regions)
  local items = {}
  for _, region in ipairs(regions or {}) do
    local review = region.review or {}
    local state = review.state or '?'
    local agents = table.concat(region.agents or {}, ', ')
    if agents == '' then
      agents = 'unknown agent'
    end
    table.insert(items, {
      filename = vim.uri_to_fname(region.uri),
      lnum = region.start_line,
      end_lnum = region.end_line,
      col = 1,
      text = ('%s · %s · %s'):format(state_text(review), risk_text(region.risk), agents),
      type = TYPES[state] or 'I',
      user_data = { region = region.id }, -- ignored by Neovim < 0.9.3
    })
  end
  table.sort(items, function(a, b)
    if a.filename ~= b.filename then
      return a.filename < b.filename
    end
    return a.lnum < b.lnum
  end)
  return items
end

--- Ask the server for the queue and fill the quickfix list.
---@param opts {open: boolean|nil, on_done: fun(items: table[]|nil)|nil}|nil
function M.open(opts)
  opts = opts or {}
  local bufnr = vim.api.nvim_get_current_buf()
  local client = lsp.client_for(bufnr)
  if client == nil then
    bufnr = nil -- any running foureyes client answers for its workspace
    client = lsp.clients()[1]
  end
  if client == nil then
    notify('not running; open a file in a git repository first', vim.log.levels.WARN)
    if opts.on_done then
      opts.on_done(nil)
    end
    return
  end
  -- vim.empty_dict(): `{}` would be sent as a JSON array.
  lsp.request(client, 'foureyes/reviewQueue', vim.empty_dict(), function(err, result)
    if err then
      notify('review queue failed: ' .. tostring(err.message), vim.log.levels.ERROR)
      if opts.on_done then
        opts.on_done(nil)
      end
      return
    end
    local items = M.items(result and result.regions)
    vim.fn.setqflist({}, ' ', { title = M.title, items = items })
    local open = opts.open
    if open == nil then
      open = config.options.queue.open
    end
    if #items == 0 then
      notify('no AI-written regions')
    else
      if open then
        vim.cmd('copen')
      end
      local waiting = #vim.tbl_filter(function(region)
        return (region.review or {}).state ~= 'approved'
      end, result.regions)
      notify(('review queue: %d AI %s, %d not approved'):format(
        #items,
        #items == 1 and 'region' or 'regions',
        waiting
      ))
    end
    if opts.on_done then
      opts.on_done(items)
    end
  end, bufnr)
end

return M
