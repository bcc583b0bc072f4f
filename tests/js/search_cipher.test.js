// The page's SHA-256 and unseal (pipelines/report/templates/search_cipher.js) against vectors Python
// computed with pipelines/publish/search_cipher.py; tests/test_search_js.py writes them to the file
// named by CCAUDIT_CIPHER_VECTORS and runs this with `node --test`.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');

const C = require(path.join(__dirname, '..', '..', 'pipelines', 'report', 'templates', 'search_cipher.js'));
const file = process.env.CCAUDIT_CIPHER_VECTORS;

test('SHA-256, key derivation and unseal agree with Python', { skip: !file && 'CCAUDIT_CIPHER_VECTORS is not set' }, () => {
  const vectors = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.ok(vectors.digests.length && vectors.sealed.length);
  for (const [text, hex] of vectors.digests) assert.strictEqual(C.sha256Hex(text), hex, JSON.stringify(text));
  for (const [salt, key, part, plain, sealed] of vectors.sealed) {
    const bytes = C.deriveKey(salt, key);
    assert.strictEqual(C.unseal(bytes, part, sealed), plain, key + ' part ' + part);
  }
});
