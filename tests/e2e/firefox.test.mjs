// Differential tests in Firefox: every scenario runs with Firefox's native EventSource and with
// both of our builds (npm and script-tag) in the same page, against the same local server. Ours must give the spec's trace; native
// must too, except where FIREFOX_NATIVE_DIFFERS says (and there it must still differ, so the note
// stays true). Firefox is driven over WebDriver (geckodriver): playwright needs its own Firefox build.
import { launchFirefox } from './webdriver.mjs';
import { differentialSuite } from './webdriver-differential.mjs';

/** Where Firefox's native EventSource departs from the spec (scenario name -> why). */
export const FIREFOX_NATIVE_DIFFERS = {
  'ids: set, kept, reset by empty id, NUL ignored':
    'Firefox also drops the line after an id containing U+0000, so "c" never comes; the spec ignores only that id field.',
  'unreachable server is a network error (retried)':
    'Firefox fails (CLOSED) a refused or bad-port (9) connection; the spec reestablishes it after a network error.',
  'data: URL with an event stream works, origin "null"':
    'Firefox fetches only http(s) URLs and fails the connection; the spec fetches data: URLs like any other.',
};

differentialSuite({ name: 'firefox', label: 'Firefox', launch: launchFirefox, differs: FIREFOX_NATIVE_DIFFERS });
