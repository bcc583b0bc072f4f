// search.html's SHA-256 and the cipher that seals an account's photo list in the index: the same
// construction as pipelines/publish/search_cipher.py (read its docstring). Pure JavaScript, so it
// works where crypto.subtle does not (pages opened from disk or over plain HTTP) and in Node, where
// tests/js/search_cipher.test.js checks it against values Python computed.
(function (root, factory) {
  'use strict';
  var api = factory();
  if (typeof module === 'object' && module.exports) module.exports = api;
  else root.ccauditCipher = api;
})(typeof self !== 'undefined' ? self : this, function () {
'use strict';
var ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_';
var KEY_BYTES = 16;
var K = [0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2];

function ror(x, n) { return (x >>> n) | (x << (32 - n)); }

// Pure-JS SHA-256, used when crypto.subtle is unavailable (it needs a secure context).
function sha256Bytes(bytes) {
  var len = bytes.length;
  var padded = new Uint8Array(((len + 9 + 63) >> 6) << 6);
  padded.set(bytes); padded[len] = 0x80;
  var view = new DataView(padded.buffer);
  view.setUint32(padded.length - 4, (len * 8) >>> 0);
  view.setUint32(padded.length - 8, Math.floor(len / 0x20000000));
  var H = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
  var w = new Uint32Array(64);
  for (var off = 0; off < padded.length; off += 64) {
    for (var i = 0; i < 16; i++) w[i] = view.getUint32(off + i * 4);
    for (i = 16; i < 64; i++) {
      var s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >>> 3);
      var s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) >>> 0;
    }
    var a = H[0], b = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
    for (i = 0; i < 64; i++) {
      var t1 = (h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) >>> 0;
      var t2 = ((ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      h = g; g = f; f = e; e = (d + t1) >>> 0; d = c; c = b; b = a; a = (t1 + t2) >>> 0;
    }
    H = [H[0] + a, H[1] + b, H[2] + c, H[3] + d, H[4] + e, H[5] + f, H[6] + g, H[7] + h].map(function (x) { return x >>> 0; });
  }
  var out = new Uint8Array(32);
  H.forEach(function (x, k) { out[4 * k] = x >>> 24; out[4 * k + 1] = (x >>> 16) & 255; out[4 * k + 2] = (x >>> 8) & 255; out[4 * k + 3] = x & 255; });
  return out;
}
function utf8(text) { return new TextEncoder().encode(text); }
function hex(bytes) { return Array.prototype.map.call(bytes, function (x) { return ('0' + x.toString(16)).slice(-2); }).join(''); }
function sha256Hex(text) { return hex(sha256Bytes(utf8(text))); }
function deriveKey(salt, key) { return sha256Bytes(utf8(salt + 'k:' + key)).slice(0, KEY_BYTES); }
function fromHex(text) {
  var out = new Uint8Array(text.length / 2);
  for (var i = 0; i < out.length; i++) out[i] = parseInt(text.substr(2 * i, 2), 16);
  return out;
}
// keystream byte i of part p: byte i % 32 of SHA-256(key || p || floor(i / 32)), 4-byte big-endian numbers
function unseal(key, part, text) {
  var input = new Uint8Array(key.length + 8), view = new DataView(input.buffer), out = '', block = null;
  input.set(key);
  view.setUint32(key.length, part);
  for (var i = 0; i < text.length; i++) {
    if (i % 32 === 0) { view.setUint32(key.length + 4, i / 32); block = sha256Bytes(input); }
    var index = ALPHABET.indexOf(text[i]);
    if (index < 0) throw new Error('not a sealed text');
    out += ALPHABET[index ^ (block[i % 32] & 63)];
  }
  return out;
}
return { sha256Bytes: sha256Bytes, sha256Hex: sha256Hex, deriveKey: deriveKey, unseal: unseal, fromHex: fromHex, hex: hex };
});
