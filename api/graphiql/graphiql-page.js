// GraphiQL for the loyalty API, served by the API itself (no CDN; see api/graphiql/__init__.py).
//
// What GraphiQL keeps in localStorage goes through `headerSafeStorage`: unless the user turns on
// "Persist headers" in GraphiQL's settings, no `headers` (an `Authorization: Bearer …` pasted in
// the headers editor) is ever written, neither in the history (graphiql:queries), the favorites
// (graphiql:favorites), the tabs (graphiql:tabState) nor graphiql:headers itself.
(function () {
  'use strict';

  var PERSIST_KEY = 'graphiql:shouldPersistHeaders';
  var HEADERS_KEY = 'graphiql:headers';
  var TAB_STATE_KEY = 'graphiql:tabState';
  var QUERY_STORES = ['graphiql:queries', 'graphiql:favorites'];
  var NAMESPACE = 'graphiql:';

  function persistingHeaders() {
    return window.localStorage.getItem(PERSIST_KEY) === 'true';
  }

  // Removes `headers` from every object in a stored JSON value. The tab state keeps the key
  // (GraphiQL checks it is a string or null); query stores drop it.
  function withoutHeaders(key, raw) {
    var value;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      return raw; // not JSON: GraphiQL discards it on read
    }
    var keepKey = key === TAB_STATE_KEY;
    (function strip(node) {
      if (Array.isArray(node)) {
        node.forEach(strip);
      } else if (node !== null && typeof node === 'object') {
        Object.keys(node).forEach(function (name) {
          if (name === 'headers') {
            if (keepKey) {
              node[name] = null;
            } else {
              delete node[name];
            }
          } else {
            strip(node[name]);
          }
        });
      }
    })(value);
    return JSON.stringify(value);
  }

  function sanitized(key, value) {
    if (persistingHeaders() || typeof value !== 'string') {
      return value;
    }
    if (key === HEADERS_KEY) {
      return null;
    }
    if (key === TAB_STATE_KEY || QUERY_STORES.indexOf(key) !== -1) {
      return withoutHeaders(key, value);
    }
    return value;
  }

  function namespacedKeys() {
    var keys = [];
    for (var i = 0; i < window.localStorage.length; i += 1) {
      var key = window.localStorage.key(i);
      if (key !== null && key.indexOf(NAMESPACE) === 0) {
        keys.push(key);
      }
    }
    return keys;
  }

  var headerSafeStorage = {
    getItem: function (key) {
      return window.localStorage.getItem(key);
    },
    setItem: function (key, value) {
      var safe = sanitized(key, value);
      if (safe === null) {
        window.localStorage.removeItem(key);
      } else {
        window.localStorage.setItem(key, safe);
      }
      if (key === PERSIST_KEY && value !== 'true') {
        // Turned off: GraphiQL clears its tabs and headers key, not the history it kept
        // meanwhile; scrub everything now.
        scrubStored();
      }
    },
    removeItem: function (key) {
      window.localStorage.removeItem(key);
    },
    clear: function () {
      namespacedKeys().forEach(function (key) {
        window.localStorage.removeItem(key);
      });
    },
    get length() {
      return namespacedKeys().length;
    },
  };

  // What an earlier page (or another GraphiQL on this origin) stored is cleaned up too.
  function scrubStored() {
    if (persistingHeaders()) {
      return;
    }
    [HEADERS_KEY, TAB_STATE_KEY].concat(QUERY_STORES).forEach(function (key) {
      var value = window.localStorage.getItem(key);
      var safe = value === null ? null : sanitized(key, value);
      if (safe === null) {
        window.localStorage.removeItem(key);
      } else if (safe !== value) {
        window.localStorage.setItem(key, safe);
      }
    });
  }

  var root = document.getElementById('graphiql');
  try {
    scrubStored();
    var wsScheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    var fetcher = window.GraphiQL.createFetcher({
      url: window.location.origin + '/graphql',
      // The headers editor's headers become the connection_init payload, which is where the
      // API reads a WebSocket's Authorization.
      subscriptionUrl: wsScheme + '//' + window.location.host + '/graphql',
    });
    root.textContent = '';
    root.dataset.state = 'ready';
    window.ReactDOM.createRoot(root).render(
      window.React.createElement(window.GraphiQL, {
        fetcher: fetcher,
        storage: headerSafeStorage,
        // GraphiQL 3 resets a stored "Persist headers" choice to this prop on every load, and
        // hides the switch when the prop is false: pass the user's own choice, and the switch.
        shouldPersistHeaders: persistingHeaders(),
        showPersistHeadersSettings: true,
        defaultEditorToolsVisibility: 'headers',
      }),
    );
  } catch (error) {
    root.dataset.state = 'failed';
    root.textContent = 'GraphiQL could not start: ' + error;
    throw error;
  }
})();
