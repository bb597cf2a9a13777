/* Loyalty admin dashboard: reads the GraphQL API only, no dependencies, no external resources.
 *
 * How it finds its data: the schema is introspected, and each section looks for its field by
 * name (e.g. `indexerStatus`, a `...issued...PerDay` field, possibly one level down under an
 * `analytics` object). The selection set is built from the field's type, so the page adapts when
 * fields are renamed or added. A section whose field the schema lacks says "not available yet".
 * With introspection off, each section sends a query with the documented names and drops any
 * field the server reports as unknown (a GraphQL validation error).
 *
 * All data is written with textContent / SVG attributes, never as HTML. The admin key lives in
 * sessionStorage (this tab only) and is sent as `Authorization: Bearer ...`.
 */
(function () {
  'use strict';

  var KEY_STORAGE = 'loyalty.adminKey';
  var AUTO_REFRESH_MS = 15000;
  var SVG_NS = 'http://www.w3.org/2000/svg';
  var REFUSED_CODES = ['UNAUTHENTICATED', 'FORBIDDEN'];
  var ISSUED_DAYS = 30;
  var TRANSFERS_SHOWN = 15;
  var TRANSFER_PAGE = 100;
  var TRANSFER_MAX_PAGES = 20;
  var TRANSFER_WINDOW_BLOCKS = 5000;

  var endpointMeta = document.querySelector('meta[name="graphql-endpoint"]');
  var ENDPOINT = new URL(endpointMeta ? endpointMeta.content : '/graphql', document.baseURI).toString();

  // ---------------------------------------------------------------- small helpers

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (k === 'text') node.textContent = attrs[k];
        else if (k === 'className') node.className = attrs[k];
        else node.setAttribute(k, attrs[k]);
      });
    }
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function getKey() {
    try { return sessionStorage.getItem(KEY_STORAGE) || ''; } catch (e) { return ''; }
  }

  function setKey(value) {
    try {
      if (value) sessionStorage.setItem(KEY_STORAGE, value);
      else sessionStorage.removeItem(KEY_STORAGE);
    } catch (e) { /* storage disabled: the key lives only as long as the page */ }
  }

  function toNumber(v) {
    if (typeof v === 'number') return v;
    if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
    return NaN;
  }

  function isNumeric(v) { return !isNaN(toNumber(v)); }

  function formatNumber(v) {
    if (typeof v === 'string' && /^-?\d+$/.test(v) && typeof BigInt === 'function') {
      return BigInt(v).toLocaleString('en-US');
    }
    if (typeof v === 'number') return v.toLocaleString('en-US');
    return String(v);
  }

  function humanize(key) {
    return key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[._]/g, ' ')
      .replace(/^./, function (c) { return c.toUpperCase(); });
  }

  function isoDate(d) { return d.toISOString().slice(0, 10); }

  function daysAgo(n) { var d = new Date(); d.setUTCDate(d.getUTCDate() - n); return d; }

  // ---------------------------------------------------------------- GraphQL transport

  function ApiFailure(kind, message, code) {
    this.kind = kind;       // 'refused' | 'missing' | 'error'
    this.message = message;
    this.code = code || '';
  }

  function post(query, variables) {
    var headers = { 'Content-Type': 'application/json', 'Accept': 'application/json' };
    var key = getKey();
    if (key) headers.Authorization = 'Bearer ' + key;
    return fetch(ENDPOINT, {
      method: 'POST', headers: headers, credentials: 'same-origin',
      body: JSON.stringify({ query: query, variables: variables || {} })
    }).then(function (res) {
      return res.text().then(function (text) {
        var body = null;
        try { body = JSON.parse(text); } catch (e) { body = null; }
        if (!body || typeof body !== 'object') {
          if (res.status === 401 || res.status === 403) {
            throw new ApiFailure('refused', 'the API refused the request (HTTP ' + res.status + ')', 'HTTP_' + res.status);
          }
          throw new ApiFailure('error', 'the API answered HTTP ' + res.status + ' without a GraphQL body');
        }
        return body;
      });
    }, function (err) {
      throw new ApiFailure('error', 'the API could not be reached: ' + (err && err.message ? err.message : err));
    });
  }

  function codeOf(error) { return (error && error.extensions && error.extensions.code) || ''; }

  function refusal(errors) {
    for (var i = 0; i < (errors || []).length; i++) {
      if (REFUSED_CODES.indexOf(codeOf(errors[i])) >= 0) return errors[i];
    }
    return null;
  }

  var UNKNOWN_FIELD = /Cannot query field ['"]([_A-Za-z0-9]+)['"] on type ['"]([_A-Za-z0-9]+)['"]/;

  // ---------------------------------------------------------------- the schema

  var INTROSPECTION = 'query DashboardSchema { __schema { queryType { name } types { kind name ' +
    'enumValues { name } inputFields { name defaultValue type { ...T } } ' +
    'fields { name args { name defaultValue type { ...T } } type { ...T } } } } }\n' +
    'fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ' +
    'ofType { kind name } } } } }';

  function Schema(raw) {
    var types = {};
    raw.types.forEach(function (t) { types[t.name] = t; });
    this.types = types;
    this.query = types[raw.queryType.name];
  }

  function unwrap(ref) {
    var list = false, nonNull = false, first = true;
    while (ref && (ref.kind === 'NON_NULL' || ref.kind === 'LIST')) {
      if (ref.kind === 'LIST') list = true;
      if (ref.kind === 'NON_NULL' && first) nonNull = true;
      first = false;
      ref = ref.ofType;
    }
    return { name: ref ? ref.name : null, kind: ref ? ref.kind : null, list: list, nonNull: nonNull };
  }

  Schema.prototype.fieldsOf = function (typeName) {
    var t = this.types[typeName];
    return (t && t.fields) || [];
  };

  // A selection tree node: { name, args: 'text', children: [node] | null }.
  // Builds the selection for a named type: scalars and enums, nested objects a few levels down.
  Schema.prototype.selection = function (typeName, depth) {
    var self = this;
    var out = [];
    this.fieldsOf(typeName).forEach(function (f) {
      if (f.name.indexOf('__') === 0) return;
      if (f.args.some(function (a) { return a.type.kind === 'NON_NULL' && a.defaultValue === null; })) return;
      var u = unwrap(f.type);
      if (u.kind === 'SCALAR' || u.kind === 'ENUM') {
        out.push({ name: f.name, args: '', children: null });
      } else if ((u.kind === 'OBJECT' || u.kind === 'INTERFACE') && depth < 3) {
        if (depth >= 1 && u.list && f.args.length) return; // nested connections: too costly
        var sub = self.selection(u.name, depth + 1);
        if (sub.length) out.push({ name: f.name, args: '', children: sub });
      }
    });
    return out;
  };

  // ---------------------------------------------------------------- arguments

  function literal(value, typeName) {
    if (typeof value === 'number' && (typeName === 'Int' || typeName === 'Long' || typeName === 'Float' || typeName === 'BigInt')) {
      return String(value);
    }
    if (value && value.enumValue) return value.enumValue;
    if (value && value.inputObject) {
      return '{' + Object.keys(value.inputObject).map(function (k) {
        var v = value.inputObject[k];
        return k + ': ' + (typeof v === 'number' ? String(v) : JSON.stringify(String(v)));
      }).join(', ') + '}';
    }
    return JSON.stringify(String(value));
  }

  // Fills the arguments a section needs: page sizes, a date range, an enum by a hint; leaves
  // optional ones alone. Returns {ok, text} or {ok: false, reason}.
  function fillArgs(schema, field, hints) {
    var parts = [];
    var ordered = false;
    for (var i = 0; i < field.args.length; i++) {
      var a = field.args[i];
      var u = unwrap(a.type);
      var required = a.type.kind === 'NON_NULL' && a.defaultValue === null;
      var name = a.name;
      var value = null;
      var dateType = /date|time/i.test(u.name || '') ;
      if (hints.values && Object.prototype.hasOwnProperty.call(hints.values, name) && hints.values[name] !== null && hints.values[name] !== undefined) {
        value = hints.values[name];
      } else if (/^(first|limit|last|top|count|size|take)$/i.test(name) && /Int|Long/.test(u.name || '')) {
        value = hints.limit || 20;
      } else if (/^days$/i.test(name) && /Int|Long/.test(u.name || '')) {
        value = ISSUED_DAYS;
      } else if (/^(from|since|start|startDate|fromDate|dateFrom|after)$/i.test(name) && (dateType || (required && u.name === 'String'))) {
        value = u.name === 'DateTime' ? daysAgo(ISSUED_DAYS - 1).toISOString() : isoDate(daysAgo(ISSUED_DAYS - 1));
      } else if (/^(to|until|end|endDate|toDate|dateTo|before)$/i.test(name) && (dateType || (required && u.name === 'String'))) {
        value = u.name === 'DateTime' ? new Date().toISOString() : isoDate(new Date());
      } else if (u.kind === 'ENUM') {
        var values = ((schema.types[u.name] || {}).enumValues || []).map(function (v) { return v.name; });
        var pattern = /order|sort|direction/i.test(name) ? /DESC|NEWEST|LATEST|RECENT/ : hints.enumPattern;
        var pick = pattern ? values.filter(function (v) { return pattern.test(v); })[0] : null;
        if (!pick && required) pick = values[0];
        if (pick) value = { enumValue: pick };
      }
      if (value === null && required) {
        var waiting = hints.waiting && Object.prototype.hasOwnProperty.call(hints.waiting, name);
        return { ok: false, waiting: waiting, reason: waiting ? hints.waiting[name] : 'needs argument "' + name + '"' };
      }
      if (value && value.enumValue && /order|sort|direction/i.test(name)) ordered = true;
      if (value !== null) parts.push(name + ': ' + literal(value, u.name));
    }
    return { ok: true, ordered: ordered, text: parts.length ? '(' + parts.join(', ') + ')' : '' };
  }

  // ---------------------------------------------------------------- finding a section's field

  // Candidate fields: Query's own, and one level down under object fields (e.g. `analytics`).
  function candidates(schema) {
    var out = [];
    schema.fieldsOf(schema.query.name).forEach(function (f) {
      if (f.name.indexOf('__') === 0) return;
      out.push({ path: [f], name: f.name });
      var u = unwrap(f.type);
      if (u.kind === 'OBJECT' && !u.list) {
        schema.fieldsOf(u.name).forEach(function (g) {
          out.push({ path: [f, g], name: g.name });
        });
      }
    });
    return out;
  }

  function listElementType(schema, field) {
    var u = unwrap(field.type);
    if (u.list) return u.name;
    // connections: edges { node } / nodes / items
    var fs = schema.fieldsOf(u.name);
    for (var i = 0; i < fs.length; i++) {
      var g = fs[i];
      var gu = unwrap(g.type);
      if (g.name === 'nodes' || g.name === 'items') return gu.name;
      if (g.name === 'edges') {
        var node = schema.fieldsOf(gu.name).filter(function (h) { return h.name === 'node'; })[0];
        if (node) return unwrap(node.type).name;
      }
    }
    return null;
  }

  function numericFields(schema, typeName) {
    return schema.fieldsOf(typeName).filter(function (f) {
      var n = unwrap(f.type).name;
      return !unwrap(f.type).list && /^(Int|Long|Float|BigInt|Decimal|Points)$/.test(n || '');
    }).map(function (f) { return f.name; });
  }

  function best(list, score) {
    var top = null, topScore = 0;
    list.forEach(function (c) {
      var s = score(c);
      if (s > topScore) { top = c; topScore = s; }
    });
    return top;
  }

  var FINDERS = {
    token: function (schema) { return byNames(schema, ['token']); },
    indexer: function (schema) { return byNames(schema, ['indexerStatus', 'indexer', 'indexerState']); },
    minting: function (schema) {
      return byNames(schema, ['mintingStatus', 'minterStatus', 'minting', 'minter', 'outboxStatus', 'outbox']);
    },
    audit: function (schema) { return byNames(schema, ['lastAudit', 'latestAudit', 'audit']); },
    transfers: function (schema) { return byNames(schema, ['recentTransfers', 'transfers', 'tokenTransfers']); },
    issued: function (schema) {
      return best(candidates(schema).filter(function (c) {
        return listElementType(schema, c.path[c.path.length - 1]);
      }), function (c) {
        var n = c.name.toLowerCase();
        var daily = n.indexOf('day') >= 0 || n.indexOf('daily') >= 0;
        if (!daily) return 0;
        if (n.indexOf('issued') >= 0) return 4;
        if (n.indexOf('points') >= 0 && n.indexOf('purchase') < 0) return 3;
        if (n.indexOf('mint') >= 0 || n.indexOf('earn') >= 0) return 2;
        return 0;
      });
    },
    tiers: function (schema) {
      return best(candidates(schema).filter(function (c) {
        return listElementType(schema, c.path[c.path.length - 1]);
      }), function (c) {
        var n = c.name.toLowerCase();
        if (n.indexOf('tier') >= 0 && n.indexOf('member') >= 0) return 3;
        if (n === 'tiers') {
          var elem = listElementType(schema, c.path[c.path.length - 1]);
          var counts = numericFields(schema, elem).filter(function (x) { return /member/i.test(x); });
          return counts.length ? 1 : 0;
        }
        return 0;
      });
    }
  };

  function byNames(schema, names) {
    var all = candidates(schema);
    for (var i = 0; i < names.length; i++) {
      for (var j = 0; j < all.length; j++) {
        if (all[j].path.length === 1 && all[j].name === names[i]) return all[j];
      }
    }
    return null;
  }

  // Builds a query tree for a found path; null with a reason when an argument cannot be filled.
  function planFromSchema(schema, found, hints) {
    var nodes = [];
    var ordered = false;
    for (var i = 0; i < found.path.length; i++) {
      var args = fillArgs(schema, found.path[i], hints);
      if (!args.ok && args.waiting) return { waiting: args.reason };
      if (!args.ok) return { reason: '"' + found.path[i].name + '" ' + args.reason };
      ordered = ordered || args.ordered;
      nodes.push({ name: found.path[i].name, args: args.text, children: null });
    }
    var last = found.path[found.path.length - 1];
    var u = unwrap(last.type);
    if (u.kind === 'OBJECT' || u.kind === 'INTERFACE') {
      nodes[nodes.length - 1].children = schema.selection(u.name, 0);
    }
    for (var k = nodes.length - 2; k >= 0; k--) nodes[k].children = [nodes[k + 1]];
    var argNames = last.args.map(function (a) { return a.name; });
    return { tree: nodes[0], path: found.path.map(function (f) { return f.name; }), ordered: ordered,
      pageable: argNames.indexOf('after') >= 0 };
  }

  // Without introspection: the documented names; unknown fields are dropped on validation errors.
  function leaves(names) { return names.map(function (n) { return { name: n, args: '', children: null }; }); }

  var FALLBACK = {
    token: function () {
      return ['token', '', leaves(['address', 'chainId', 'name', 'symbol', 'decimals', 'transferable', 'totalSupply', 'holders', 'deploymentBlock'])];
    },
    indexer: function () {
      return ['indexerStatus', '', leaves(['headBlock', 'finalizedBlock', 'indexedBlock', 'lagBlocks', 'reorgsHandled', 'lastReorgDepth'])];
    },
    minting: function () {
      return ['mintingStatus', '', leaves(['outboxDepth', 'pendingRequests', 'batchedRequests', 'pendingPoints', 'gasUsed', 'gasSpentWei'])];
    },
    audit: function () {
      var block = auditBlock();
      if (block === null) return { waiting: 'No audit yet: the indexer has not indexed a finalized block.' };
      return ['audit', '(block: ' + block + ')', leaves(['block', 'clean', 'digest', 'holders', 'indexedSupply', 'chainSupply', 'ledgerStatus'])];
    },
    transfers: function () {
      var indexed = lastIndexer ? toNumber(lastIndexer.indexedBlock) : NaN;
      var args = isNaN(indexed) ? '(first: 100)' : '(first: 100, filter: {fromBlock: ' + Math.max(0, indexed - 200) + '})';
      return ['transfers', args, [{ name: 'nodes', args: '', children: leaves(['blockNumber', 'txHash', 'fromAddress', 'toAddress', 'value']) }]];
    }
  };

  function fallbackPlan(id) {
    var make = FALLBACK[id];
    if (!make) return { reason: 'the schema cannot be introspected, and this section has no documented fallback' };
    var f = make();
    if (f.waiting) return f;
    return { tree: { name: f[0], args: f[1], children: f[2] }, path: [f[0]], fallback: true, tail: id === 'transfers' };
  }

  function render(tree) {
    var s = tree.name + (tree.args || '');
    if (tree.children) s += ' { ' + tree.children.map(render).join(' ') + ' }';
    return s;
  }

  function dropField(tree, fieldName) {
    if (!tree.children) return false;
    var before = tree.children.length;
    tree.children = tree.children.filter(function (c) { return c.name !== fieldName; });
    if (tree.children.length !== before) return true;
    return tree.children.some(function (c) { return dropField(c, fieldName); });
  }

  function dig(data, path) {
    var v = data;
    for (var i = 0; i < path.length; i++) { if (v === null || v === undefined) return v; v = v[path[i]]; }
    return v;
  }

  // Runs a plan: {value} on success; throws ApiFailure otherwise.
  function runPlan(id, plan) {
    var query = 'query Dashboard_' + id + ' { ' + render(plan.tree) + ' }';
    return post(query).then(function (body) {
      var errors = body.errors || [];
      var refused = refusal(errors);
      if (refused) throw new ApiFailure('refused', refused.message, codeOf(refused));
      if (!body.data && errors.length) {
        var m = UNKNOWN_FIELD.exec(errors[0].message || '');
        if (m && plan.fallback) {
          if (m[1] === plan.tree.name) throw new ApiFailure('missing', 'the API has no "' + m[1] + '" field yet');
          if (dropField(plan.tree, m[1]) && plan.tree.children.length) return runPlan(id, plan);
          throw new ApiFailure('missing', 'the API has none of the fields this section shows');
        }
        throw new ApiFailure('error', errors.map(function (e) { return e.message; }).join('; '), codeOf(errors[0]));
      }
      return { value: dig(body.data, plan.path), warnings: errors.map(function (e) { return e.message; }) };
    });
  }

  // ---------------------------------------------------------------- shaping rows

  function rowsOf(value) {
    if (Array.isArray(value)) return value;
    if (value && typeof value === 'object') {
      if (Array.isArray(value.edges)) return value.edges.map(function (e) { return e && e.node; }).filter(Boolean);
      if (Array.isArray(value.nodes)) return value.nodes;
      if (Array.isArray(value.items)) return value.items;
      var lists = Object.keys(value).filter(function (k) { return Array.isArray(value[k]); });
      if (lists.length === 1) return value[lists[0]];
    }
    return [];
  }

  // Flattens nested objects one level: {tier: {name}} -> {"tier.name": ...}.
  function flat(row) {
    var out = {};
    Object.keys(row || {}).forEach(function (k) {
      var v = row[k];
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        Object.keys(v).forEach(function (k2) {
          if (v[k2] === null || typeof v[k2] !== 'object') out[k + '.' + k2] = v[k2];
        });
      } else if (!Array.isArray(v)) {
        out[k] = v;
      }
    });
    return out;
  }

  function keysOf(rows) {
    var keys = [];
    rows.forEach(function (r) { Object.keys(r).forEach(function (k) { if (keys.indexOf(k) < 0) keys.push(k); }); });
    return keys;
  }

  function absent(v) { return v === null || v === undefined; }

  function pickKey(keys, patterns, accept) {
    for (var i = 0; i < patterns.length; i++) {
      for (var j = 0; j < keys.length; j++) {
        if (patterns[i].test(keys[j]) && (!accept || accept(keys[j]))) return keys[j];
      }
    }
    return null;
  }

  function seriesOf(value) {
    var rows = rowsOf(value).map(flat);
    if (!rows.length) return { points: [], label: '' };
    var keys = keysOf(rows);
    var xKey = pickKey(keys, [/^(day|date)$/i, /(^|\.)(day|date)$/i, /day|date|period|bucket/i]) ||
      keys.filter(function (k) { return /^\d{4}-\d{2}-\d{2}/.test(String(rows[0][k])); })[0];
    var numeric = function (k) { return k !== xKey && rows.every(function (r) { return absent(r[k]) || isNumeric(r[k]); }); };
    var yKey = pickKey(keys, [/issued/i, /minted|earned|awarded/i, /^(points|amount|total|value|count)$/i, /points|amount|total|value/i], numeric) ||
      keys.filter(numeric)[0];
    if (!xKey || !yKey) return { points: [], label: '', unusable: true };
    var points = rows.map(function (r) {
      return { x: String(r[xKey]).slice(0, 10), y: toNumber(r[yKey]) || 0, raw: r[yKey] };
    }).sort(function (a, b) { return a.x < b.x ? -1 : a.x > b.x ? 1 : 0; });
    return { points: fillDays(points), label: yKey };
  }

  // Days without activity are often absent from the data: draw them as zero, not as a gap.
  function fillDays(points) {
    if (points.length < 2 || !points.every(function (p) { return /^\d{4}-\d{2}-\d{2}$/.test(p.x); })) return points;
    var byDay = {};
    points.forEach(function (p) { byDay[p.x] = p; });
    var out = [];
    var d = new Date(points[0].x + 'T00:00:00Z');
    var end = new Date(points[points.length - 1].x + 'T00:00:00Z');
    for (var guard = 0; d <= end && guard < 400; guard++) {
      var key = isoDate(d);
      out.push(byDay[key] || { x: key, y: 0, raw: 0, filled: true });
      d.setUTCDate(d.getUTCDate() + 1);
    }
    return out;
  }

  function tiersOf(value) {
    var rows = rowsOf(value).map(flat);
    if (!rows.length) return [];
    var keys = keysOf(rows);
    var numeric = function (k) { return rows.every(function (r) { return absent(r[k]) || isNumeric(r[k]); }); };
    var yKey = pickKey(keys, [/^(members|memberCount|membersCount|count)$/i, /member/i, /count|total/i], numeric);
    var xKey = pickKey(keys, [/^(tierName|tier\.name|name)$/i, /tier.*name|^tier$/i, /name|title/i, /tier/i], function (k) { return k !== yKey; });
    if (!xKey || !yKey) return [];
    return rows.map(function (r) {
      var label = r[xKey];
      return { x: absent(label) ? '(no tier)' : String(label), y: toNumber(r[yKey]) || 0, raw: absent(r[yKey]) ? 0 : r[yKey] };
    });
  }

  // ---------------------------------------------------------------- drawing

  function niceMax(v) {
    if (v <= 0) return 1;
    var p = Math.pow(10, Math.floor(Math.log10(v)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * p >= v) return steps[i] * p;
    return 10 * p;
  }

  function columnChart(points, label) {
    var W = 760, H = 240, L = 56, R = 12, T = 14, B = 44;
    var plotW = W - L - R, plotH = H - T - B;
    var max = niceMax(Math.max.apply(null, points.map(function (p) { return p.y; }).concat([0])));
    var chart = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, class: 'chart column-chart', role: 'img',
      'aria-label': 'Points issued per day', 'data-max': max, 'data-series': label });
    for (var t = 0; t <= 4; t++) {
      var yv = max * t / 4;
      var y = T + plotH - plotH * t / 4;
      chart.appendChild(svg('line', { x1: L, x2: W - R, y1: y, y2: y, class: 'grid' }));
      chart.appendChild(svg('text', { x: L - 6, y: y + 4, class: 'axis', 'text-anchor': 'end' }, formatNumber(Math.round(yv * 100) / 100)));
    }
    var slot = plotW / Math.max(points.length, 1);
    var barW = Math.max(1, Math.min(40, slot * 0.8));
    var every = Math.max(1, Math.ceil(points.length / 8));
    points.forEach(function (p, i) {
      var h = plotH * p.y / max;
      var x = L + slot * i + (slot - barW) / 2;
      var rect = svg('rect', { x: x.toFixed(2), y: (T + plotH - h).toFixed(2), width: barW.toFixed(2), height: h.toFixed(2),
        class: 'bar', 'data-x': p.x, 'data-y': p.y });
      rect.appendChild(svg('title', {}, p.x + ': ' + formatNumber(p.raw) + ' points'));
      chart.appendChild(rect);
      if (i % every === 0 || i === points.length - 1) {
        chart.appendChild(svg('text', { x: (L + slot * i + slot / 2).toFixed(2), y: H - B + 16, class: 'axis', 'text-anchor': 'middle' },
          /^\d{4}-\d{2}-\d{2}$/.test(p.x) ? p.x.slice(5) : p.x));
      }
    });
    chart.appendChild(svg('line', { x1: L, x2: W - R, y1: T + plotH, y2: T + plotH, class: 'baseline' }));
    return chart;
  }

  function barChart(items) {
    var rowH = 28, W = 420, L = 120, R = 60;
    var H = Math.max(rowH * items.length + 8, 40);
    var max = Math.max.apply(null, items.map(function (p) { return p.y; }).concat([1]));
    var chart = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, class: 'chart bar-chart', role: 'img', 'aria-label': 'Members per tier' });
    items.forEach(function (p, i) {
      var y = 4 + i * rowH;
      var w = (W - L - R) * p.y / max;
      chart.appendChild(svg('text', { x: L - 8, y: y + rowH / 2 + 4, class: 'axis label', 'text-anchor': 'end' }, p.x.length > 16 ? p.x.slice(0, 15) + '…' : p.x));
      var rect = svg('rect', { x: L, y: y + 4, width: w.toFixed(2), height: rowH - 10, class: 'bar', 'data-x': p.x, 'data-y': p.y });
      rect.appendChild(svg('title', {}, p.x + ': ' + formatNumber(p.raw) + ' members'));
      chart.appendChild(rect);
      chart.appendChild(svg('text', { x: (L + w + 6).toFixed(2), y: y + rowH / 2 + 4, class: 'axis value' }, formatNumber(p.raw)));
    });
    return chart;
  }

  function shortHex(v) {
    if (typeof v === 'string' && /^0x[0-9a-fA-F]{40,}$/.test(v)) return v.slice(0, 8) + '…' + v.slice(-6);
    return null;
  }

  function valueNode(v, key, full) {
    if (v === null || v === undefined) return el('span', { className: 'muted', text: '—' });
    if (typeof v === 'boolean') return el('span', { className: v ? 'yes' : 'no', text: v ? 'yes' : 'no' });
    if (/digest|hash$/i.test(key || '') && typeof v === 'string' && v.length > 20 && !/^0x[0-9a-fA-F]{64}$/.test(v)) {
      return el('code', { className: 'digest', text: v });
    }
    var s = shortHex(v);
    if (s) return el('code', { title: v, text: full ? v : s });
    if (isNumeric(v) && !/id$/i.test(key || '')) return el('span', { className: 'num', text: formatNumber(v) });
    return el('span', { text: String(v) });
  }

  function table(rows, caption) {
    var flatRows = rows.map(flat);
    var keys = keysOf(flatRows);
    var thead = el('thead', null, [el('tr', null, keys.map(function (k) { return el('th', { text: humanize(k) }); }))]);
    var tbody = el('tbody', null, flatRows.map(function (r) {
      return el('tr', null, keys.map(function (k) { return el('td', null, [valueNode(r[k], k)]); }));
    }));
    var t = el('table', { className: 'data' }, [caption ? el('caption', { text: caption }) : null, thead, tbody]);
    return el('div', { className: 'table-wrap' }, [t]);
  }

  function facts(obj) {
    var dl = el('dl', { className: 'facts' });
    var nested = [];
    Object.keys(obj || {}).forEach(function (k) {
      var v = obj[k];
      if (Array.isArray(v)) { nested.push([k, v]); return; }
      if (v && typeof v === 'object') {
        Object.keys(v).forEach(function (k2) {
          if (!Array.isArray(v[k2]) && (v[k2] === null || typeof v[k2] !== 'object')) {
            dl.appendChild(el('dt', { text: humanize(k) + ' · ' + humanize(k2) }));
            dl.appendChild(el('dd', { 'data-field': k + '.' + k2 }, [valueNode(v[k2], k2)]));
          }
        });
        return;
      }
      dl.appendChild(el('dt', { text: humanize(k) }));
      dl.appendChild(el('dd', { 'data-field': k }, [valueNode(v, k, true)]));
    });
    var box = el('div', null, [dl]);
    nested.forEach(function (n) {
      if (!n[1].length) box.appendChild(el('p', { className: 'muted', text: humanize(n[0]) + ': none' }));
      else if (typeof n[1][0] === 'object') box.appendChild(table(n[1], humanize(n[0])));
      else box.appendChild(el('p', { text: humanize(n[0]) + ': ' + n[1].join(', ') }));
    });
    return box;
  }

  function headline(text, cls) { return el('p', { className: 'headline ' + (cls || ''), text: text }); }

  function firstKey(obj, pattern) {
    return Object.keys(obj || {}).filter(function (k) { return pattern.test(k) && isNumeric(obj[k]); })[0];
  }

  var ZERO_ADDRESS = /^0x0{40}$/i;

  // Mints come from and burns go to the zero address: say so in a first column.
  function withKind(row) {
    var from = row.fromAddress || row.from;
    var to = row.toAddress || row.to;
    if (typeof from !== 'string' || typeof to !== 'string') return row;
    var kind = ZERO_ADDRESS.test(from) ? 'mint' : ZERO_ADDRESS.test(to) ? 'burn' : 'transfer';
    var out = { kind: kind };
    Object.keys(row).forEach(function (k) { out[k] = row[k]; });
    return out;
  }

  var RENDERERS = {
    token: function (v) { return [facts(v)]; },
    indexer: function (v) {
      var out = [];
      var lagKey = firstKey(v, /lag/i);
      if (v && 'indexedBlock' in v && absent(v.indexedBlock)) {
        out.push(headline('Nothing indexed yet', 'warn'));
      } else if (lagKey) {
        var lag = toNumber(v[lagKey]);
        out.push(headline('Lag: ' + formatNumber(v[lagKey]) + ' block' + (lag === 1 ? '' : 's'), lag <= 2 ? 'ok' : lag <= 64 ? 'warn' : 'bad'));
      }
      out.push(facts(v));
      return out;
    },
    minting: function (v) {
      var out = [];
      var depthKey = firstKey(v, /outbox|pending|depth|queue/i);
      if (depthKey) {
        var depth = toNumber(v[depthKey]);
        out.push(depth === 0 ? headline('Outbox empty: every request is final', 'ok')
          : headline('Outbox: ' + formatNumber(v[depthKey]) + ' not final yet', 'warn'));
      }
      var errKey = Object.keys(v || {}).filter(function (k) { return /error/i.test(k) && v[k]; })[0];
      if (errKey) {
        var e = v[errKey];
        out.push(el('p', { className: 'error', text: 'Last error: ' + (typeof e === 'object' ? (e.message || JSON.stringify(e)) : String(e)) }));
      }
      out.push(facts(v));
      return out;
    },
    audit: function (v) {
      var out = [];
      if (!v) return [el('p', { className: 'placeholder', text: 'No audit yet.' })];
      var mm = Object.keys(v).filter(function (k) { return /mismatch|finding|problem/i.test(k); })[0];
      var list = mm && Array.isArray(v[mm]) ? v[mm] : null;
      var count = list ? list.length : (mm ? toNumber(v[mm]) : NaN);
      var clean = typeof v.clean === 'boolean' ? v.clean : (isNaN(count) ? null : count === 0);
      var at = isNumeric(v.block) ? ' at block ' + formatNumber(v.block) : '';
      if (clean === true) {
        out.push(headline('Clean' + at + ': no mismatches', 'ok'));
      } else if (clean === false) {
        out.push(headline((count > 0 ? count + ' finding' + (count === 1 ? '' : 's') : 'Not clean') + at, 'bad'));
      }
      out.push(facts(v));
      return out;
    },
    transfers: function (v) {
      var rows = rowsOf(v);
      if (!rows.length) return [el('p', { className: 'placeholder', text: 'No transfers indexed yet.' })];
      return [table(rows.slice(0, TRANSFERS_SHOWN).map(withKind))];
    },
    issued: function (v) {
      var s = seriesOf(v);
      if (s.unusable) return [el('p', { className: 'placeholder', text: 'The data has no day and amount columns to chart.' }), table(rowsOf(v))];
      if (!s.points.length) return [el('p', { className: 'placeholder', text: 'No points issued in this period.' })];
      var total = s.points.reduce(function (a, p) { return a + p.y; }, 0);
      return [headline(formatNumber(total) + ' points over ' + s.points.length + ' day' + (s.points.length === 1 ? '' : 's') + ' (' + humanize(s.label).toLowerCase() + ')'),
        columnChart(s.points, s.label)];
    },
    tiers: function (v) {
      var items = tiersOf(v);
      if (!items.length) return [el('p', { className: 'placeholder', text: 'No tiers or members yet.' })];
      return [barChart(items)];
    }
  };

  // ---------------------------------------------------------------- sections

  var ORDER = ['token', 'indexer', 'issued', 'tiers', 'minting', 'transfers', 'audit'];

  function sectionNode(id) { return document.getElementById('section-' + id); }

  function show(id, state, nodes, note) {
    var node = sectionNode(id);
    if (!node) return;
    var body = node.querySelector('.body');
    body.textContent = '';
    (nodes || []).forEach(function (n) { body.appendChild(n); });
    if (note) body.appendChild(el('p', { className: 'note', text: note }));
    node.setAttribute('data-state', state);
  }

  var lastIndexer = null;

  // The block the indexer has passed and the chain has finalized: audits run there.
  function auditBlock() {
    if (!lastIndexer) return null;
    var indexed = toNumber(lastIndexer.indexedBlock);
    var finalized = toNumber(lastIndexer.finalizedBlock);
    if (isNaN(indexed)) return null;
    return isNaN(finalized) ? indexed : Math.min(indexed, finalized);
  }

  function hintsFor(id) {
    if (id === 'issued') return { limit: ISSUED_DAYS, enumPattern: /ISSU|EARN|MINT|AWARD/ };
    if (id === 'transfers') {
      var values = {};
      var indexed = lastIndexer ? toNumber(lastIndexer.indexedBlock) : NaN;
      // Transfers may come oldest first: look at a recent window of blocks and page to its end.
      if (!isNaN(indexed)) values.filter = { inputObject: { fromBlock: Math.max(0, indexed - TRANSFER_WINDOW_BLOCKS) } };
      return { limit: TRANSFER_PAGE, values: values };
    }
    if (id === 'audit') {
      return { values: { block: auditBlock() },
        waiting: { block: 'No audit yet: the indexer has not indexed a finalized block.' } };
    }
    return {};
  }

  // Runs a section's plan; for a pageable list in chain order, follows pages and keeps the tail.
  function fetchSection(id, schema, found, plan) {
    if (id !== 'transfers' || plan.ordered || !plan.pageable) return runPlan(id, plan);
    var hints = hintsFor(id);
    var kept = [];
    var warnings = [];
    function page(n, current) {
      return runPlan(id, current).then(function (result) {
        var v = result.value;
        warnings = warnings.concat(result.warnings);
        kept = kept.concat(rowsOf(v)).slice(-TRANSFERS_SHOWN);
        if (v && v.hasNextPage && v.endCursor && n < TRANSFER_MAX_PAGES) {
          hints.values.after = v.endCursor;
          return page(n + 1, planFromSchema(schema, found, hints));
        }
        return { value: kept.slice().reverse(), warnings: warnings };
      });
    }
    return page(1, plan);
  }

  function loadSection(id, schema) {
    var plan;
    if (schema) {
      var found = FINDERS[id](schema);
      if (!found) {
        show(id, 'missing', [el('p', { className: 'placeholder', text: 'Not available yet: the API has no field for this section.' })]);
        return Promise.resolve('missing');
      }
      plan = planFromSchema(schema, found, hintsFor(id));
      if (plan.waiting) {
        show(id, 'empty', [el('p', { className: 'placeholder', text: plan.waiting })]);
        return Promise.resolve('empty');
      }
      if (!plan.tree) {
        show(id, 'missing', [el('p', { className: 'placeholder', text: 'Not available: ' + plan.reason + '.' })]);
        return Promise.resolve('missing');
      }
    } else {
      plan = fallbackPlan(id);
      if (plan.waiting) {
        show(id, 'empty', [el('p', { className: 'placeholder', text: plan.waiting })]);
        return Promise.resolve('empty');
      }
      if (!plan.tree) {
        show(id, 'missing', [el('p', { className: 'placeholder', text: 'Not available: ' + plan.reason + '.' })]);
        return Promise.resolve('missing');
      }
    }
    var fetching = schema ? fetchSection(id, schema, found, plan) : runPlan(id, plan).then(function (r) {
      // Chain order, oldest first: the newest rows are the tail.
      return plan.tail ? { value: rowsOf(r.value).slice(-TRANSFERS_SHOWN).reverse(), warnings: r.warnings } : r;
    });
    return fetching.then(function (result) {
      if (id === 'indexer') lastIndexer = result.value;
      var warnings = result.warnings.length ? 'Partly answered: ' + result.warnings.join('; ') : '';
      show(id, 'ready', RENDERERS[id](result.value), warnings);
      sectionNode(id).setAttribute('data-source', plan.path.join('.'));
      return 'ready';
    }, function (failure) {
      var f = failure instanceof ApiFailure ? failure : new ApiFailure('error', String(failure && failure.message || failure));
      if (f.kind === 'refused') {
        show(id, 'refused', [el('p', { className: 'error', text: 'Refused by the API: ' + f.message })]);
      } else if (f.kind === 'missing') {
        show(id, 'missing', [el('p', { className: 'placeholder', text: 'Not available yet: ' + f.message + '.' })]);
      } else {
        show(id, 'error', [el('p', { className: 'error', text: 'Could not load: ' + f.message })]);
      }
      return f.kind === 'error' ? 'error' : f.kind;
    });
  }

  function loadSchema() {
    return post(INTROSPECTION).then(function (body) {
      var refused = refusal(body.errors);
      if (refused) throw new ApiFailure('refused', refused.message, codeOf(refused));
      if (!body.data || !body.data.__schema) return null; // introspection turned off
      return new Schema(body.data.__schema);
    });
  }

  function banner(text) {
    var b = document.getElementById('banner');
    if (text) { b.textContent = text; b.hidden = false; } else { b.textContent = ''; b.hidden = true; }
  }

  var refreshes = 0;
  var running = null;
  var pending = false;

  function refresh(includeAudit) {
    if (running) { pending = true; return running; }
    var main = document.getElementById('sections');
    main.setAttribute('data-state', 'loading');
    document.getElementById('updated').textContent = 'loading…';
    running = loadSchema().then(function (schema) {
      var ids = ORDER.filter(function (id) {
        return includeAudit || id !== 'audit' || sectionNode('audit').getAttribute('data-state') !== 'ready';
      });
      // The audit block and the transfers window come from the indexer's status: load it first.
      var later = ['audit', 'transfers'];
      var first = ids.filter(function (id) { return later.indexOf(id) < 0; }).map(function (id) { return loadSection(id, schema); });
      return Promise.all(first).then(function (states) {
        var second = ids.filter(function (id) { return later.indexOf(id) >= 0; }).map(function (id) { return loadSection(id, schema); });
        return Promise.all(second).then(function (more) { return states.concat(more); });
      });
    }).then(function (states) {
      var refused = states.indexOf('refused') >= 0;
      var key = getKey();
      if (refused) {
        banner(key ? 'The API refused this admin key. Enter a valid admin API key.' : 'Some sections need an admin API key. Enter it above.');
      } else {
        banner('');
      }
      return states;
    }, function (failure) {
      var f = failure instanceof ApiFailure ? failure : new ApiFailure('error', String(failure));
      ORDER.forEach(function (id) {
        show(id, f.kind === 'refused' ? 'refused' : 'error', [el('p', { className: 'error', text: (f.kind === 'refused' ? 'Refused by the API: ' : 'Could not load: ') + f.message })]);
      });
      banner(f.kind === 'refused' ? 'The API refused the request: ' + f.message + '. Enter a valid admin API key.' : 'The API is not answering: ' + f.message);
    }).then(function () {
      refreshes += 1;
      main.setAttribute('data-refreshes', String(refreshes));
      main.setAttribute('data-state', 'ready');
      document.getElementById('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
      running = null;
      if (pending) { pending = false; return refresh(true); }
    });
    return running;
  }

  function showKeyStatus() {
    document.getElementById('key-status').textContent = getKey() ? 'admin key set for this tab' : 'no admin key';
  }

  function start() {
    var form = document.getElementById('key-form');
    var input = document.getElementById('admin-key');
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      setKey(input.value.trim());
      input.value = '';
      showKeyStatus();
      refresh(true);
    });
    document.getElementById('key-forget').addEventListener('click', function () {
      setKey('');
      showKeyStatus();
      refresh(true);
    });
    document.getElementById('refresh').addEventListener('click', function () { refresh(true); });
    showKeyStatus();
    refresh(true);
    setInterval(function () {
      if (document.visibilityState === 'visible' && !running) refresh(false);
    }, AUTO_REFRESH_MS);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
}());
