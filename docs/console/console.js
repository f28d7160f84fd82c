// The console page's own script: the reader's sandbox namespace, and Swagger UI for each API
// sending every request with its token. The token lives in this tab only (sessionStorage, so a
// reload keeps the namespace): it is sent to this server and nowhere else.
(function () {
  'use strict';
  var STORAGE_KEY = 'oauth-apps-console';
  var TTL_SECONDS = 3600; // a reader's namespace: one hour unused, then the server removes it
  var status = document.getElementById('namespace-status');
  var form = document.getElementById('token-form');
  var tokenInput = document.getElementById('server-token');
  var resetButton = document.getElementById('reset');
  var newButton = document.getElementById('new-namespace');

  /** { token, kind: 'namespace' | 'server', id?, ttl? } or null: what requests are sent with. */
  var session = load();

  function load() {
    try {
      return JSON.parse(sessionStorage.getItem(STORAGE_KEY) || 'null');
    } catch (_) {
      return null;
    }
  }
  function save(value) {
    session = value;
    try {
      if (value) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(value));
      else sessionStorage.removeItem(STORAGE_KEY);
    } catch (_) {
      /* storage off: the session lives until the page is closed */
    }
    render();
  }

  function say(text, problem) {
    status.textContent = text;
    status.classList.toggle('problem', Boolean(problem));
  }

  function render() {
    var ns = session && session.kind === 'namespace';
    resetButton.hidden = !ns;
    newButton.hidden = !session;
    form.hidden = Boolean(session);
    status.dataset.namespace = ns && session.id ? session.id : '';
    if (ns) say('Your namespace ' + (session.id ? session.id.slice(0, 8) + '…' : '') + ': its apps are yours alone' + (session.ttl ? ', removed after ' + duration(session.ttl) + ' unused.' : '.'));
    else if (session) say('Sending with the server token you gave (no sandbox here: the data is the server’s own).');
  }

  function duration(seconds) {
    return seconds % 3600 === 0 ? seconds / 3600 + ' h' : Math.round(seconds / 60) + ' min';
  }

  function summaryOf(response) {
    return response
      .json()
      .then(function (body) { return body && body.summary ? body.summary : 'HTTP ' + response.status; })
      .catch(function () { return 'HTTP ' + response.status; });
  }

  /** POST /__sandbox/namespaces, with the server's token or (public namespaces) without. */
  function createNamespace(serverToken) {
    var headers = { 'Content-Type': 'application/json' };
    if (serverToken) headers.Authorization = 'Bearer ' + serverToken;
    return fetch('/__sandbox/namespaces', { method: 'POST', headers: headers, body: JSON.stringify({ ttl_seconds: TTL_SECONDS }) }).then(function (response) {
      if (response.ok) {
        return response.json().then(function (ns) {
          save({ token: ns.token, kind: 'namespace', id: ns.id, ttl: ns.ttl_seconds });
          return true;
        });
      }
      // A namespace's own token (e.g. from a CI job) cannot make another: it is used as it is.
      if (response.status === 403 && serverToken) return save({ token: serverToken, kind: 'namespace' }), true;
      // No sandbox on this server: the pasted token is the API's, used directly.
      if (response.status === 404 && serverToken) return save({ token: serverToken, kind: 'server' }), true;
      return summaryOf(response).then(function (summary) {
        if (response.status === 401 && !serverToken) ask('Paste the server’s token (a local sandbox prints it at start) to get a namespace of your own.');
        else if (response.status === 404) ask('This server has no sandbox: paste its API token to send requests.');
        else ask(summary, true);
        return false;
      });
    }, function () {
      ask('This server did not answer: is it running?', true);
      return false;
    });
  }

  function ask(text, problem) {
    save(null);
    say(text, problem);
  }

  /** A stored namespace may have expired since: one cheap call says. */
  function check() {
    if (!session) return start();
    if (session.kind !== 'namespace') return render();
    return fetch('/__sandbox/faults', { headers: { Authorization: 'Bearer ' + session.token } }).then(function (response) {
      if (response.status === 401) return start('Your namespace expired. ');
      render();
    }, render);
  }

  function start(prefix) {
    if (location.protocol === 'file:') {
      form.hidden = true;
      return say('Opened as a file: start the server (npm start) and open /docs/try on it to send requests.');
    }
    say((prefix || '') + 'Getting a namespace of your own…');
    return createNamespace(null);
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var token = tokenInput.value.trim();
    if (!token) return;
    say('Getting a namespace of your own…');
    createNamespace(token).then(function (ok) {
      if (ok) tokenInput.value = '';
      else if (!status.classList.contains('problem')) say('That token is not this server’s.', true);
    });
  });

  resetButton.addEventListener('click', function () {
    fetch('/__sandbox/reset', { method: 'POST', headers: { Authorization: 'Bearer ' + session.token } }).then(function (response) {
      if (response.status === 401) return start('Your namespace expired. ');
      return response.json().then(function (body) {
        if (response.ok) say('Back to the seed: ' + body.apps + ' apps, no faults.');
        else say(body.summary || 'HTTP ' + response.status, true);
      });
    });
  });

  newButton.addEventListener('click', function () {
    save(null);
    start();
  });

  // One Swagger UI per API, each below its own heading. Both send the session's token.
  function mount(name) {
    var spec = JSON.parse(document.getElementById('spec-' + name).textContent);
    return SwaggerUIBundle({
      spec: spec,
      domNode: document.getElementById('api-' + name),
      deepLinking: true,
      tryItOutEnabled: true,
      displayRequestDuration: true,
      showExtensions: false,
      defaultModelsExpandDepth: -1,
      validatorUrl: null, // no badge from validator.swagger.io
      queryConfigEnabled: false,
      presets: [SwaggerUIBundle.presets.apis],
      layout: 'BaseLayout',
      requestInterceptor: function (request) {
        if (session) request.headers.Authorization = 'Bearer ' + session.token;
        // An empty Prefer is "nothing steered": not sent at all.
        if (request.headers.Prefer === '') delete request.headers.Prefer;
        return request;
      },
      responseInterceptor: function (response) {
        // A 401 may be asked for (Prefer: code=401) or mean the namespace expired: check() says which.
        if (response.status === 401 && session && session.kind === 'namespace') check();
        return response;
      },
    });
  }
  mount('main');
  mount('sandbox');
  check();
})();
