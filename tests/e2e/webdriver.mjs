// A minimal W3C WebDriver client over HTTP (Node's global fetch), enough to drive headless Firefox
// through geckodriver and WebKit through WebKitWebDriver: playwright needs its own patched
// Firefox and WebKit builds, the distro ones speak only WebDriver. One session per driver;
// `quit()` always ends both, also after a failure.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { closedPort } from './harness.mjs';

/** The command's path on PATH, or undefined. */
function onPath(command) {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

const existing = (...paths) => paths.find((p) => p && existsSync(p));

export function findGeckodriver() {
  return existing(process.env.GECKODRIVER) ?? onPath('geckodriver') ?? existing(path.join(os.homedir(), '.cargo/bin/geckodriver'));
}

export function findFirefox() {
  return existing(process.env.FIREFOX, '/usr/bin/firefox-esr', '/usr/bin/firefox') ?? onPath('firefox-esr') ?? onPath('firefox');
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Prefs that keep Firefox from talking to anything but the test server. */
export const FIREFOX_PREFS = {
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'network.proxy.type': 0,
  'app.update.enabled': false,
  'app.update.auto': false,
  'browser.shell.checkDefaultBrowser': false,
  'browser.startup.homepage_override.mstone': 'ignore',
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'browser.safebrowsing.downloads.enabled': false,
  'browser.safebrowsing.blockedURIs.enabled': false,
  'browser.safebrowsing.provider.mozilla.updateURL': '',
  'browser.newtabpage.enabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'datareporting.healthreport.uploadEnabled': false,
  'toolkit.telemetry.enabled': false,
  'toolkit.telemetry.unified': false,
  'extensions.update.enabled': false,
  'extensions.getAddons.cache.enabled': false,
  'services.settings.server': 'http://127.0.0.1:9/',
  'network.dns.disablePrefetch': true,
  'network.prefetch-next': false,
};

/**
 * Starts geckodriver and a headless Firefox session. Throws a clear error when either binary is
 * missing. Returns { execute, executeAsync, navigate, quit }.
 */
export async function launchFirefox({ scriptTimeout = 15000, prefs = {} } = {}) {
  const driverBin = findGeckodriver();
  const firefoxBin = findFirefox();
  if (!driverBin) {
    throw new Error('geckodriver not found ($GECKODRIVER, PATH, ~/.cargo/bin): run `scripts/setup.sh test`.');
  }
  if (!firefoxBin) {
    throw new Error('Firefox not found ($FIREFOX, /usr/bin/firefox-esr, /usr/bin/firefox, PATH): run `scripts/setup.sh test`.');
  }
  const capabilities = {
    browserName: 'firefox',
    'moz:firefoxOptions': { binary: firefoxBin, args: ['-headless'], prefs: { ...FIREFOX_PREFS, ...prefs } },
  };
  return launch('geckodriver', (port) => [driverBin, '--port', String(port), '--host', '127.0.0.1', '--log', 'warn'], capabilities, scriptTimeout);
}

/**
 * Starts WebKitGTK's WebDriver (Debian's webkit2gtk-driver) under a virtual X display
 * (xvfb-run) and a session of its MiniBrowser: WebKit, the engine of Safari. Throws a clear
 * error when a binary is missing.
 */
export async function launchWebKit({ scriptTimeout = 15000 } = {}) {
  const driverBin = existing(process.env.WEBKIT_WEBDRIVER) ?? onPath('WebKitWebDriver');
  const xvfb = onPath('xvfb-run');
  if (!driverBin || !xvfb) {
    throw new Error('WebKitWebDriver or xvfb-run not found: run `scripts/setup.sh test` (apt-get install webkit2gtk-driver xvfb).');
  }
  // xvfb-run -a picks a free display number; the driver starts MiniBrowser there.
  const capabilities = { browserName: 'MiniBrowser', 'webkitgtk:browserOptions': { args: ['--automation'] } };
  return launch('WebKitWebDriver', (port) => [xvfb, '-a', driverBin, `--port=${port}`, '--host=127.0.0.1'], capabilities, scriptTimeout, true);
}

/**
 * Starts the driver `command(port)` and a session with `capabilities`. With `group`, the driver
 * runs in a process group of its own, which is ended as a whole (xvfb-run leaves its display
 * server and the command running when it is killed).
 */
async function launch(name, command, capabilities, scriptTimeout, group = false) {
  const port = await closedPort();
  // Through a watchdog shell: when our end of its stdin closes (quit(), or this process dying in
  // any way, even SIGKILL) it sends the driver SIGTERM, and the driver then ends the browser.
  const watchdog = [
    'exec 3<&0', // a background job's stdin is /dev/null unless redirected explicitly
    '"$0" "$@" </dev/null & pid=$!',
    `(cat <&3 >/dev/null 2>&1; kill ${group ? '-- -$$' : '$pid'} 2>/dev/null) >/dev/null 2>&1 &`,
    'wait $pid',
  ].join('\n');
  const args = command(port);
  const child = spawn('sh', ['-c', watchdog, ...args], { stdio: ['pipe', 'pipe', 'pipe'], detached: group });
  let output = '';
  const keep = (chunk) => (output = (output + chunk).slice(-4000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = false;
  child.once('exit', () => (exited = true));
  const kill = () => child.stdin.destroy();

  const base = `http://127.0.0.1:${port}`;
  let sessionId;
  let browserVersion;

  async function call(method, route, body, timeoutMs = 30000) {
    const res = await fetch(base + route, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const json = await res.json();
    if (!res.ok || json.value?.error) {
      const v = json.value ?? {};
      throw new Error(`WebDriver ${method} ${route}: ${v.error ?? res.status}: ${v.message ?? ''}`);
    }
    return json.value;
  }

  try {
    const deadline = Date.now() + 10000;
    while (!(await canConnect(port))) {
      if (exited) throw new Error(`${name} exited at startup: ${output}`);
      if (Date.now() > deadline) throw new Error(`${name} did not listen on ${port} within 10 s: ${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const session = await call('POST', '/session', { capabilities: { alwaysMatch: capabilities } }, 60000);
    sessionId = session.sessionId;
    browserVersion = session.capabilities?.browserVersion;
    await call('POST', `/session/${sessionId}/timeouts`, { script: scriptTimeout, pageLoad: 30000 });
  } catch (e) {
    kill();
    e.message += output ? `\n${name} output: ${output}` : '';
    throw e;
  }

  const s = `/session/${sessionId}`;
  return {
    browserVersion,
    navigate: (url) => call('POST', `${s}/url`, { url }),
    /** Runs `script` (a function body; `arguments` are `args`) and returns its value. */
    execute: (script, args = []) => call('POST', `${s}/execute/sync`, { script, args }),
    /** Like execute, but the body gets a callback as its last argument and returns what it is called with. */
    executeAsync: (script, args = []) => call('POST', `${s}/execute/async`, { script, args }, scriptTimeout + 10000),
    async quit() {
      try {
        if (sessionId && !exited) await call('DELETE', s, undefined, 15000);
      } catch {
        // The session may be gone already; the driver is killed below either way.
      } finally {
        sessionId = undefined;
        kill();
      }
    },
  };
}
