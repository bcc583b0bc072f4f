// The page's link parser (pipelines/report/templates/flickr_urls.js) on the cases Python's parser
// is tested on (tests/data/flickr_links.json): same reading, same error, for every one of them.
// Run by tests/test_search_js.py (`node --test tests/js/`), or by hand the same way.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');

const F = require(path.join(__dirname, '..', '..', 'pipelines', 'report', 'templates', 'flickr_urls.js'));
const data = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'data', 'flickr_links.json'), 'utf8'));

function shape(items) {
  return items.map((i) => ({ text: i.text, ref: i.ref || null, name: i.name === undefined ? null : i.name, error: i.error || null }));
}

test('every shared text is read as Python reads it', () => {
  const texts = Object.keys(data.read_text);
  assert.ok(texts.length > 500, 'the shared file holds the cases');
  for (const text of texts) assert.deepStrictEqual(shape(F.readText(text)), data.read_text[text], JSON.stringify(text));
});

test('photo links give their photo id, owner and form', () => {
  for (const [url, photoId, owner, isNsid, form] of data.photos) {
    assert.deepStrictEqual(F.parseFlickrUrl(url), { kind: 'photo', photo_id: photoId, owner, owner_is_nsid: isNsid, form }, url);
  }
});

test('account links give their owner', () => {
  for (const [url, owner, isNsid] of data.users) {
    const ref = F.parseFlickrUrl(url);
    assert.deepStrictEqual([ref.kind, ref.photo_id, ref.owner, ref.owner_is_nsid], ['user', null, owner, isNsid], url);
  }
});

test('unsupported kinds are named, links only Flickr resolves say so, bad links give the reason', () => {
  for (const [url, kind] of data.unsupported) {
    assert.throws(() => F.parseFlickrUrl(url), (err) => err instanceof F.UrlError && err.kind === 'unsupported' && err.extra === kind, url);
  }
  for (const url of data.needs_api) {
    assert.throws(() => F.parseFlickrUrl(url), (err) => err.kind === 'needs_api' && /needs the Flickr API/.test(err.message), url);
  }
  for (const [url, reason] of data.bad) {
    assert.throws(() => F.parseFlickrUrl(url), (err) => err instanceof F.UrlError && new RegExp(reason).test(err.message), url);
  }
});

test('no input key reaches Object.prototype (issue 24)', () => {
  const members = Object.getOwnPropertyNames(Object.prototype).concat(['__proto__', 'prototype']);
  for (const key of members) {
    for (const text of [`https://www.flickr.com/photo.gne?${key}=x&id=42`, `https://www.flickr.com/photo.gne?id=42&${key}=1`,
      `https://www.flickr.com/${key}/`, `https://www.flickr.com/photos/${key}/`, `https://www.flickr.com/photos/x/${key}/2/`,
      `https://www.flickr.com/photo.gne?${key}=42`, `https://flic.kr/${key}/1`]) {
      const items = F.readText(text);  // must not throw, and must answer
      assert.strictEqual(items.length, 1, text);
      assert.ok(items[0].ref || items[0].error, text);
    }
    assert.strictEqual(F.readText(`https://www.flickr.com/photo.gne?${key}=x&id=42`)[0].ref.photo_id, '42');
  }
  assert.strictEqual(({}).polluted, undefined);
});
