// What turning bytes into a JS string costs in Chromium, the step every fetch-based client pays
// per byte: a batch of 3,000 events' fields (the shared benchmark's mixed filler, or ASCII), as
// MB of UTF-8 per second, decoded by
//   utf8      TextDecoder('utf-8'), what js/driver.js does;
//   utf16le   TextDecoder('utf-16le') of the same text as UTF-16 (what a wasm that transcodes
//             would hand over; the transcoding itself not counted);
//   wasm      the JS String Builtins' `fromCharCodeArray` (wasm:js-string) from a wasm GC array
//             filled from linear memory, UTF-16 again (`js-string` builtins; a wasm GC module);
//   wasm-utf8 the proposal's `decodeStringFromUTF8Array` (wasm:text-decoder), where shipped.
// Each in a fresh page, RUNS times, interleaved; medians [min–max].
//   node tests/e2e/bench/decode.mjs [RUNS]
import { launchChromium } from '../harness.mjs';
import { median } from './shared-bench.mjs';

// (module (type $a (array (mut i16)))
//   (import "wasm:js-string" "fromCharCodeArray" (func $f (param (ref null $a) i32 i32) (result (ref extern))))
//   (import "e" "m" (memory 1))
//   (func (export "d") (param $p i32) (param $n i32) (result externref) (local $a (ref null $a)) (local $i i32)
//     (local.set $a (array.new_default $a (local.get $n)))
//     (block $b (loop $l (br_if $b (i32.ge_u (local.get $i) (local.get $n)))
//       (array.set $a (local.get $a) (local.get $i) (i32.load16_u (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 1)))))
//       (local.set $i (i32.add (local.get $i) (i32.const 1))) (br $l)))
//     (call $f (local.get $a) (i32.const 0) (local.get $n))))
// and the same with an i8 array, 1-byte loads and wasm:text-decoder's decodeStringFromUTF8Array
// (binaryen's wasm-as --enable-gc --enable-reference-types).
const UTF16 =
  'AGFzbQEAAAABEwNedwFgA2MAf38BZG9gAn9/AW8CKwIBZQFtAgABDndhc206anMtc3RyaW5nEWZyb21DaGFyQ29kZUFycmF5AAEDAgECBwUBAWQAAQpBAT8CAWMAAX8gAfsHACECAkADQCADIAFPDQEgAiADIAAgA0EBdGovAQD7DgAgA0EBaiEDDAALAAsgAkEAIAEQAAs=';
const UTF8 =
  'AGFzbQEAAAABEwNeeAFgA2MAf38BZG9gAn9/AW8CNgIBZQFtAgABEXdhc206dGV4dC1kZWNvZGVyGWRlY29kZVN0cmluZ0Zyb21VVEY4QXJyYXkAAQMCAQIHBQEBZAABCj4BPAIBYwABfyAB+wcAIQICQANAIAMgAU8NASACIAMgACADai0AAPsOACADQQFqIQMMAAsACyACQQAgARAACw==';

const runs = Number(process.argv[2] ?? 5);

async function measure({ ascii, UTF16, UTF8 }) {
  // The shared benchmark's mixed filler (lib/sse-gen.mjs): 1-4 byte sequences, astral included.
  const units = ['é', '€', '𝄞', 'a', 'ж', '中', '😀', 'z'].join('');
  const fill = ascii ? 'abcdefghij'.repeat(100) : units.repeat(50);
  const parts = [];
  for (let i = 0; i < 3000; i++) parts.push(`M\ralpha\r${i}:${fill}\n${fill.slice(0, 10)}\r${i}\r`);
  const text = parts.join('');
  const utf8 = new TextEncoder().encode(text);
  const utf16 = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    utf16[2 * i] = text.charCodeAt(i) & 255;
    utf16[2 * i + 1] = text.charCodeAt(i) >> 8;
  }
  const time = (decode) => {
    if (decode() !== text) throw new Error('decoded text differs');
    const t0 = performance.now();
    for (let k = 0; k < 10; k++) decode();
    return (utf8.length * 10) / 1e3 / (performance.now() - t0);
  };
  const wasm = async (b64, bytes, length) => {
    const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes.length / 65536) });
    new Uint8Array(memory.buffer).set(bytes);
    const module = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    try {
      const { instance } = await WebAssembly.instantiate(module, { e: { m: memory } }, { builtins: ['js-string', 'text-decoder'] });
      return time(() => instance.exports.d(0, length));
    } catch (e) {
      return String(e.message);
    }
  };
  return {
    utf8: time(() => new TextDecoder().decode(utf8)),
    utf16le: time(() => new TextDecoder('utf-16le').decode(utf16)),
    wasm: await wasm(UTF16, utf16, text.length),
    'wasm-utf8': await wasm(UTF8, utf8, utf8.length),
  };
}

const browser = await launchChromium();
try {
  for (const ascii of [false, true]) {
    const results = [];
    for (let i = 0; i < runs; i++) {
      const page = await browser.newPage();
      results.push(await page.evaluate(measure, { ascii, UTF16, UTF8 }));
      await page.close();
    }
    const cells = Object.keys(results[0]).map((k) => {
      const v = results.map((r) => r[k]);
      if (typeof v[0] === 'string') return `${k} unavailable (${v[0]})`;
      return `${k} ${median(v).toFixed(0)} [${Math.min(...v).toFixed(0)}–${Math.max(...v).toFixed(0)}]`;
    });
    console.log(`${ascii ? 'ASCII' : 'mixed UTF-8'}, MB of UTF-8 per s: ${cells.join(', ')}`);
  }
} finally {
  await browser.close();
}
