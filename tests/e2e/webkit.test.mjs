// The differential suite of tests/e2e/scenarios.mjs in WebKit, the engine of Safari (WebKitGTK's
// MiniBrowser, driven by Debian's WebKitWebDriver under xvfb-run): our npm and script-tag builds
// must give the spec's trace, and WebKit's native EventSource, the control, must too, except where
// WEBKIT_NATIVE_DIFFERS says (and there it must still differ, so the note stays true).
import { launchWebKit } from './webdriver.mjs';
import { differentialSuite } from './webdriver-differential.mjs';

/** Where WebKit's native EventSource departs from the spec (scenario name -> why). */
export const WEBKIT_NATIVE_DIFFERS = {
  'leading BOM stripped once':
    'WebKit loses the first event of this stream, whose leading BOM comes split over the first chunks: it does not strip that BOM; the spec does, whatever the chunking.',
  'unreachable server is a network error (retried)':
    'WebKit fires no error event for a bad-port (9) URL within the scenario; the spec reestablishes the connection after a network error, firing error.',
  'data: URL with an event stream works, origin "null"':
    'WebKit fails the connection (CLOSED) for a data: URL; the spec fetches data: URLs like any other.',
};

differentialSuite({ name: 'webkit', label: 'WebKit', launch: launchWebKit, differs: WEBKIT_NATIVE_DIFFERS });
