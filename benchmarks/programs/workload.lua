-- What an interpreter spends its time on in real scripts: allocation and garbage
-- collection, floating point, table and string work, closures. (No coroutines: Lua 5.4
-- yields by longjmp, which this WASI build turns into abort(); see lua_main.c.)
-- Deterministic; prints one checksum line per part.

local function binary_trees(depth)
  local function make(d)
    if d == 0 then return {} end
    d = d - 1
    return {make(d), make(d)}
  end
  local function check(t)
    if t[1] then return 1 + check(t[1]) + check(t[2]) end
    return 1
  end
  local long_lived = make(depth)
  local total = 0
  for d = 4, depth, 2 do
    local iterations = 1 << (depth - d + 4)
    for _ = 1, iterations do total = total + check(make(d)) end
  end
  return total + check(long_lived)
end

local function nbody(steps)
  local pi, days = math.pi, 365.24
  local solar = 4 * pi * pi
  local bodies = {
    {0, 0, 0, 0, 0, 0, solar},
    {4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
     1.66007664274403694e-03 * days, 7.69901118419740425e-03 * days, -6.90460016972063023e-05 * days,
     9.54791938424326609e-04 * solar},
    {8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
     -2.76742510726862411e-03 * days, 4.99852801234917238e-03 * days, 2.30417297573763929e-05 * days,
     2.85885980666130812e-04 * solar},
    {1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
     2.96460137564761618e-03 * days, 2.37847173959480950e-03 * days, -2.96589568540237556e-05 * days,
     4.36624404335156298e-05 * solar},
    {1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
     2.68067772490389322e-03 * days, 1.62824170038242295e-03 * days, -9.51592254519715870e-05 * days,
     5.15138902046611451e-05 * solar},
  }
  local n = #bodies
  for _ = 1, steps do
    for i = 1, n do
      local bi = bodies[i]
      for j = i + 1, n do
        local bj = bodies[j]
        local dx, dy, dz = bi[1] - bj[1], bi[2] - bj[2], bi[3] - bj[3]
        local d2 = dx * dx + dy * dy + dz * dz
        local mag = 0.01 / (d2 * math.sqrt(d2))
        local mi, mj = bi[7] * mag, bj[7] * mag
        bi[4], bi[5], bi[6] = bi[4] - dx * mj, bi[5] - dy * mj, bi[6] - dz * mj
        bj[4], bj[5], bj[6] = bj[4] + dx * mi, bj[5] + dy * mi, bj[6] + dz * mi
      end
    end
    for i = 1, n do
      local b = bodies[i]
      b[1], b[2], b[3] = b[1] + 0.01 * b[4], b[2] + 0.01 * b[5], b[3] + 0.01 * b[6]
    end
  end
  return string.format("%.9f", bodies[2][1] + bodies[3][2])
end

local function fannkuch(n)
  -- Every permutation of 1..n (Heap's algorithm), each flipped until 1 comes first.
  local p, perm, c = {}, {}, {}
  for i = 1, n do p[i] = i; c[i - 1] = 0 end
  local max_flips, checksum, index = 0, 0, 0
  local function flip_count()
    for i = 1, n do perm[i] = p[i] end
    local flips, k = 0, perm[1]
    while k ~= 1 do
      local i, j = 1, k
      while i < j do perm[i], perm[j] = perm[j], perm[i]; i = i + 1; j = j - 1 end
      flips = flips + 1
      k = perm[1]
    end
    if flips > max_flips then max_flips = flips end
    checksum = checksum + (index % 2 == 0 and flips or -flips)
    index = index + 1
  end
  flip_count()
  local i = 1
  while i < n do
    if c[i] < i then
      local a = i % 2 == 0 and 1 or c[i] + 1
      p[a], p[i + 1] = p[i + 1], p[a]
      flip_count()
      c[i] = c[i] + 1
      i = 1
    else
      c[i] = 0
      i = i + 1
    end
  end
  return checksum .. "/" .. max_flips
end

local words = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
               "lambda", "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "tau", "upsilon"}

local function text_processing(lines)
  local seed = 42
  local function rand(m) seed = (seed * 1103515245 + 12345) % 2147483648; return seed % m end
  local out = {}
  for i = 1, lines do
    local parts = {}
    for j = 1, 12 do parts[j] = words[rand(#words) + 1] end
    out[i] = string.format("%05d: %s;", i, table.concat(parts, " "))
  end
  local text = table.concat(out, "\n")
  local counts = {}
  for word in text:gmatch("%a+") do counts[word] = (counts[word] or 0) + 1 end
  local upper = text:gsub("(%a)(%a*)", function(a, b) return a:upper() .. b end)
  local keys = {}
  for k in pairs(counts) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return counts[a] > counts[b] or (counts[a] == counts[b] and a < b) end)
  return #upper .. ":" .. keys[1] .. "=" .. counts[keys[1]]
end

local function encode(value, out)
  local kind = type(value)
  if kind == "table" then
    if #value > 0 then
      out[#out + 1] = "["
      for i, v in ipairs(value) do if i > 1 then out[#out + 1] = "," end; encode(v, out) end
      out[#out + 1] = "]"
    else
      local keys = {}
      for k in pairs(value) do keys[#keys + 1] = k end
      table.sort(keys)
      out[#out + 1] = "{"
      for i, k in ipairs(keys) do
        if i > 1 then out[#out + 1] = "," end
        out[#out + 1] = string.format("%q:", k)
        encode(value[k], out)
      end
      out[#out + 1] = "}"
    end
  elseif kind == "string" then out[#out + 1] = string.format("%q", value)
  else out[#out + 1] = tostring(value) end
end

local function records(count)
  local items = {}
  for i = 1, count do
    items[i] = {id = i, name = words[i % #words + 1] .. i, score = (i * 7919) % 1000 / 10,
                tags = {words[(i * 3) % #words + 1], words[(i * 5) % #words + 1]}}
  end
  table.sort(items, function(a, b) return a.score > b.score or (a.score == b.score and a.id < b.id) end)
  local out = {}
  encode(items, out)
  local json = table.concat(out)
  local total = 0
  for number in json:gmatch('"score":(%d+%.?%d*)') do total = total + tonumber(number) end
  return #json .. ":" .. string.format("%.1f", total)
end

print("binary trees", binary_trees(13))
print("n-body", nbody(50000))
print("fannkuch", fannkuch(8))
print("text", text_processing(5000))
print("records", records(10000))
