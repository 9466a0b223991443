-- Player protection inside the money scripts (docs/player-protection.md): limits, pauses and the
-- period counters, read, checked and counted in the same atomic step as the movement. Prepended
-- after common.lua to movement, rollback, adjust and open_session (store/scripts.py).
-- The settings hash (KEYS `protection`, written only by protect.lua and restore):
--   '<kind>:<period>' or '<kind>' = a limit in force (minor units; ms for session and play);
--   '~' .. that name = a pending change 'value|effective ms|asked ms|by' (value '' = removal);
--   'pause.until' = ms or 'inf', 'pause.kind' = 'pause' or 'exclusion'.
-- The counters hash (KEYS `usage`): 'd', 'w', 'm' = the start (ms) of the period its counters
--   belong to; '<metric>:<period>' = deposit, wager, loss (minor units) and play (ms) in it.
-- Period bounds arrive by name: d0 d1 w0 w1 m0 m1 (start and end, ms), computed in Python in the
-- configured time zone: Lua in Redis has no time-zone database.

local PERIODS = {'d', 'w', 'm'}
local METRICS = {'deposit', 'wager', 'loss', 'play'}
-- Each kind's refusal (domain/protection/limits.py names the kinds alike).
local REFUSALS = {deposit = 'DEPOSIT_LIMIT_REACHED', wager = 'WAGER_LIMIT_REACHED',
  loss = 'LOSS_LIMIT_REACHED', bet = 'BET_LIMIT_REACHED',
  session = 'SESSION_TIME_LIMIT_REACHED', play = 'PLAY_TIME_LIMIT_REACHED'}

local function hash(key)
  local flat = redis.call('HGETALL', key)
  local t = {}
  for i = 1, #flat, 2 do
    t[flat[i]] = flat[i + 1]
  end
  return t
end

-- The limit in force at `now`: a pending change whose time has come is the limit already
-- (protect.lua writes it in at the next change; until then every reader applies it).
local function limit_of(s, name, now)
  local pending = s['~' .. name]
  if pending then
    local value, at = string.match(pending, '^([^|]*)|(%d+)')
    if now >= tonumber(at) then
      if value == '' then
        return nil
      end
      return tonumber(value)
    end
  end
  return s[name] and tonumber(s[name])
end

-- The refusal status of a paused or excluded wallet and its end ('inf' or ms), else nil.
local function paused(s, now)
  local ends = s['pause.until']
  if ends and (ends == 'inf' or now < tonumber(ends)) then
    if s['pause.kind'] == 'exclusion' then
      return 'PLAYER_EXCLUDED', ends
    end
    return 'PLAYER_PAUSED', ends
  end
  return nil
end

-- The counters of the periods running at `now`; a period begun since the last count is zero.
local function usage(key)
  local c = hash(key)
  local u = {}
  for _, p in ipairs(PERIODS) do
    local start = A[p .. '0']
    local fresh = c[p] ~= start
    local counts = {start = tonumber(start), ends = tonumber(A[p .. '1'])}
    for _, metric in ipairs(METRICS) do
      counts[metric] = fresh and 0 or tonumber(c[metric .. ':' .. p] or '0')
    end
    u[p] = counts
  end
  return u
end

-- Write the counters back, kept until the longest running period ends (a TTL relative to the
-- caller's clock, as every TTL here).
local function save_usage(key, u)
  local flat, last = {}, 0
  for _, p in ipairs(PERIODS) do
    flat[#flat + 1] = p
    flat[#flat + 1] = int(u[p].start)
    for _, metric in ipairs(METRICS) do
      flat[#flat + 1] = metric .. ':' .. p
      flat[#flat + 1] = int(u[p][metric])
    end
    last = math.max(last, u[p].ends)
  end
  redis.call('HSET', key, unpack(flat))
  redis.call('PEXPIRE', key, int(math.max(1, last - tonumber(A.now))))
end

-- A limit's refusal: {'LIMIT_REACHED', refusal name, period ('d', 'w', 'm', or '' for a limit
-- without one), limit, used, tried, resets at (ms, 0: never)}.
local function reached(kind, period, limit, used, tried, resets)
  return {'LIMIT_REACHED', REFUSALS[kind], period, limit, used, tried, resets}
end

-- The limit of `kind` that adding `adds[p]` to each period would pass, the one with the least
-- headroom first (the lowest binding), as `reached` says it; nil if none would.
local function over(s, u, kind, adds, tried, now)
  local found, least
  for _, p in ipairs(PERIODS) do
    local limit = limit_of(s, kind .. ':' .. p, now)
    local used = u[p][kind]
    if limit and used + adds[p] > limit and (not least or limit - used < least) then
      found, least = reached(kind, p, limit, used, tried, u[p].ends), limit - used
    end
  end
  return found
end

-- The same amount in every period.
local function each(amount)
  return {d = amount, w = amount, m = amount}
end

-- Play time a bet adds to each period: the part of [since, now] inside it, `since` being the
-- session's previous bet (or its opening).
local function play_time(u, since, now)
  local adds = {}
  for _, p in ipairs(PERIODS) do
    adds[p] = math.max(0, now - math.max(since, u[p].start))
  end
  return adds
end

-- Judge a bet of `amount` against every limit, in the order single bet, session time, play
-- time, wager, loss: nil, or the refusal (`reached`; a session's used is its age). `session`
-- holds the session's 'created' and 'pl' (its last bet).
local function judge_bet(s, u, amount, session, now)
  local bet = limit_of(s, 'bet', now)
  if bet and amount > bet then
    return reached('bet', '', bet, 0, amount, 0)
  end
  local created = tonumber(session.created)
  local longest = limit_of(s, 'session', now)
  if longest and now - created > longest then
    return reached('session', '', longest, now - created, 0, 0)
  end
  local played = play_time(u, tonumber(session.pl or session.created), now)
  return over(s, u, 'play', played, 0, now) or over(s, u, 'wager', each(amount), amount, now)
    or over(s, u, 'loss', each(amount), amount, now), played
end

-- Count a metric change in every period (`adds` per period).
local function add(u, metric, adds)
  for _, p in ipairs(PERIODS) do
    u[p][metric] = u[p][metric] + adds[p]
  end
end

-- Reverse a movement made at `at` in the periods it was counted in (those running since then).
local function add_since(u, metric, amount, at)
  for _, p in ipairs(PERIODS) do
    if at >= u[p].start then
      u[p][metric] = u[p][metric] + amount
    end
  end
end

-- Record a refusal as evidence for the ledger (the one write of a refused call): `refusal` is
-- the reply of `over`/`judge_bet`, or a pause's {status, ends}; `what` a flat list of names
-- and values saying what was refused.
local function record_refusal(refusal, what)
  local entry = {'event', 'refused', 'wallet', A.wallet}
  if refusal[1] == 'LIMIT_REACHED' then
    for _, pair in ipairs({{'type', refusal[2]}, {'period', refusal[3]},
        {'limit', int(refusal[4])}, {'used', int(refusal[5])},
        {'amount', int(refusal[6])}, {'resets', int(refusal[7])}}) do
      entry[#entry + 1] = pair[1]
      entry[#entry + 1] = pair[2]
    end
  else
    entry[#entry + 1] = 'type'
    entry[#entry + 1] = refusal[1]
    if refusal[2] then
      entry[#entry + 1] = 'until'
      entry[#entry + 1] = refusal[2]
    end
  end
  for _, value in ipairs(what) do
    entry[#entry + 1] = value
  end
  entry[#entry + 1] = 'ts'
  entry[#entry + 1] = int(tonumber(A.now))
  outbox(entry)
end

-- Limit names (required limits, e.g. 'loss' or 'play') of which the wallet has none in force.
local function missing_required(s, required, now)
  local missing = {}
  for kind in string.gmatch(required, '[^,]+') do
    local found = limit_of(s, kind, now)
    for _, p in ipairs(PERIODS) do
      found = found or limit_of(s, kind .. ':' .. p, now)
    end
    if not found then
      missing[#missing + 1] = kind
    end
  end
  return missing
end
