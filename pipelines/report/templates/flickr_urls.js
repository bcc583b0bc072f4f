// How search.html reads what a person typed or pasted: the same rules as pipelines/flickr/freetext.py
// and urls.py (read_text, parse_flickr_url), so the page and `ccaudit lookup` read every input alike. One
// parser, two languages: tests/data/flickr_links.json holds the cases both must agree on, read by
// tests/test_flickr_urls.py (Python) and tests/js/flickr_urls.test.js (Node, run from pytest).
// The page includes this file verbatim (pipelines/report/render.py, asset()); Node loads it as a module.
(function (root, factory) {
  'use strict';
  var api = factory();
  if (typeof module === 'object' && module.exports) module.exports = api;
  else root.ccauditFlickr = api;
})(typeof self !== 'undefined' ? self : this, function () {
'use strict';
var BASE58 = '123456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ';
var NSID_RE = /^[0-9]+@N[0-9][0-9]$/i;
var ALIAS_RE = /^[A-Za-z0-9_-]{1,64}$/;
var PHOTO_ID_RE = /^[0-9]{1,19}$/;
var EXT = '(jpe?g|png|gif|tiff?|webp|heic|mp4|mov|m4v|avi|3gp|mpe?g|wmv|flv|webm)';
var FILE_RE = new RegExp('^([0-9]{1,19})_([0-9a-f]{1,40})(?:_([a-z0-9]{1,3}))?(_d)?\\.' + EXT + '$', 'i');
var BARE_FILE_RE = new RegExp('^([0-9]{1,19})_([0-9a-f]{10})(?:_([a-z0-9]{1,3}))?(_d)?\\.' + EXT + '$', 'i');
var FILE_NAME_RE = new RegExp('^[^/\\\\\\s]+\\.' + EXT + '$', 'i');
var VIDEO_EXT = /^(mp4|mov|m4v|avi|3gp|mpg|mpeg|wmv|flv|webm)$/i;
var GNE_PHOTO_RE = /^(photo|video)[a-z_]*\.gne$/;
var PAGE_HOSTS = ['flickr.com', 'www.flickr.com', 'm.flickr.com', 'secure.flickr.com', 'touch.flickr.com',
  'mobile.flickr.com', 'flickr.net', 'www.flickr.net'];
var SHORT_HOSTS = ['flic.kr', 'www.flic.kr'];
var STATIC_HOST_RE = /^(live\.staticflickr\.com|static\.flickr\.com|staticflickr\.com|photos[0-9]+\.flickr\.com|farm[0-9]+\.static\.?flickr\.com|farm[0-9]+\.staticflickr\.com|c[0-9]+\.staticflickr\.com)$/;
var FLICKR_HOST_RE = /^(?:[a-z0-9-]+\.)*(?:flickr\.com|flickr\.net|staticflickr\.com|flic\.kr)$/i;
var OWNER_SUBKINDS = { albums: 'album', sets: 'album', collections: 'collection', galleries: 'gallery', tags: 'tag' };
var SECTIONS = { tags: 'tag', friends: "friends' photos", upload: 'upload', organize: 'organizer', search: 'search',
  places: 'places', groups: 'group', me: "'me' (whoever is logged in)" };
var TOP_KINDS = { groups: 'group', 'groups_pool.gne': 'group', tags: 'tag', search: 'search', explore: 'explore',
  galleries: 'gallery', commons: 'Commons', map: 'map', places: 'places', help: 'help', account: 'account settings',
  services: 'services', cameras: 'camera', camera_finder: 'camera', about: 'about', prints: 'prints',
  'photos_user_map.gne': 'map', recent: 'recent uploads', creativecommons: 'Creative Commons' };
var TRAILING = ".,;:!?'\")]}>\u00bb\u201d\u2019\u2026", LEADING = "'\"([{<\u00ab\u201c\u2018";
var COMMON_TLDS = ['com', 'net', 'org', 'edu', 'gov', 'mil', 'int', 'info', 'biz', 'io', 'co', 'kr', 'uk', 'de', 'fr',
  'jp', 'cn', 'ru', 'nl', 'it', 'es', 'eu', 'ca', 'au', 'br', 'in', 'ch', 'se', 'no', 'pl', 'be', 'at', 'dk', 'fi',
  'us', 'ly', 'gl', 'gd', 'ai', 'app', 'dev'];
var FORM_LABELS = { page: 'from a photo page link', 'static': 'from an image file link', video: 'from a video file link',
  'short': 'from a flic.kr short link', gne: 'from a .gne page link', file: 'from a Download file name',
  people: 'from a profile link', id: 'a photo id', nsid: 'an NSID', alias: 'a path alias', account: 'from an account page link' };
var MAX_ID = (1n << 63n) - 1n;

function UrlError(message, kind, extra) { this.message = message; this.kind = kind || 'error'; this.extra = extra; }
function repr(text) {  // Python's repr of a str, for messages that read the same as the CLI's
  var quote = text.indexOf("'") >= 0 && text.indexOf('"') < 0 ? '"' : "'";
  var body = text.replace(/\\/g, '\\\\').replace(new RegExp(quote, 'g'), '\\' + quote)
    .replace(/[\x00-\x1f\x7f]/g, function (c) { return c === '\n' ? '\\n' : c === '\t' ? '\\t' : c === '\r' ? '\\r' : '\\x' + ('0' + c.charCodeAt(0).toString(16)).slice(-2); });
  return quote + body + quote;
}
function unsupported(kind, url) {
  return new UrlError('a Flickr ' + kind + ' link, not a photo or an account: ' + repr(url)
    + ' (ccaudit looks up photos and accounts; give a photo or account link)', 'unsupported', kind);
}
function needsApi(what, url) {
  return new UrlError(what + ' needs the Flickr API to resolve: ' + repr(url)
    + ' (open it in a browser and give the address it leads to)', 'needs_api');
}
function stripPunctuation(text) {
  text = text.trim();
  while (text && LEADING.indexOf(text[0]) >= 0) text = text.slice(1);
  while (text && TRAILING.indexOf(text[text.length - 1]) >= 0) text = text.slice(0, -1);
  return text;
}
function photoId(text, where) {
  if (/^[0-9]+$/.test(text) && text.length > 19) throw new UrlError('photo id ' + repr(text) + ' in ' + repr(where) + ' is out of range');
  if (!PHOTO_ID_RE.test(text)) throw new UrlError('photo id ' + repr(text) + ' in ' + repr(where) + ' is not a number');
  var value = BigInt(text);
  if (value <= 0n || value > MAX_ID) throw new UrlError('photo id ' + repr(text) + ' in ' + repr(where) + ' is out of range');
  return value;
}
function photo(value, form, owner, isNsid) {
  if (value <= 0n || value > MAX_ID) throw new UrlError('photo id ' + value + ' is out of range');
  return { kind: 'photo', photo_id: value.toString(), owner: owner || null, owner_is_nsid: !!isNsid, form: form };
}
function base58(text) {
  if (!text) throw new UrlError('empty flic.kr short code');
  var value = 0n;
  for (var i = 0; i < text.length; i++) {
    var digit = BASE58.indexOf(text[i]);
    if (digit < 0) throw new UrlError('short code ' + repr(text) + " has a character outside Flickr's base58: " + repr(text[i]));
    value = value * 58n + BigInt(digit);
  }
  return value;
}
function owner(text, url) {
  if (NSID_RE.test(text)) return [text.toUpperCase(), true];
  if (ALIAS_RE.test(text)) return [text, false];
  throw new UrlError(repr(text) + ' in ' + repr(url) + ' is neither an NSID nor a Flickr path alias');
}
function unquote(part, lenient) {  // urllib.parse.unquote: bad UTF-8 is an error (strict) or U+FFFD; a stray % stays
  return part.replace(/(%[0-9a-fA-F]{2})+/g, function (run) {
    try { return decodeURIComponent(run); } catch (err) {
      if (lenient) return '\ufffd';
      throw new UrlError('malformed percent-encoding');
    }
  });
}
// Every key that comes from the input is looked up with own() or kept in a Map, never used as a
// plain object's property name: '?constructor=x' or '__proto__' would otherwise reach
// Object.prototype (issue 24).
function own(table, key) { return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined; }
function parseQs(query) {  // urllib.parse.parse_qs: blank values dropped, '+' is a space
  var out = new Map();
  (query || '').split('&').forEach(function (pair) {
    var at = pair.indexOf('=');
    if (at < 0) return;
    var value = pair.slice(at + 1);
    if (!value) return;
    var name = unquote(pair.slice(0, at).replace(/\+/g, ' '), true);
    if (!out.has(name)) out.set(name, []);
    out.get(name).push(unquote(value.replace(/\+/g, ' '), true));
  });
  return out;
}
function ownerPage(parts, url, form) {
  var first = parts[1];
  if (parts[0] === 'photos' && own(SECTIONS, first.toLowerCase()) !== undefined) throw unsupported(own(SECTIONS, first.toLowerCase()), url);
  var who = owner(first, url), rest = parts.slice(2);
  if (!rest.length) return { kind: 'user', photo_id: null, owner: who[0], owner_is_nsid: who[1], form: form };
  if (/^[0-9]+$/.test(rest[0])) {
    if (parts[0] === 'people') throw new UrlError('a number after a /people/ account is not a photo page: ' + repr(url));
    return photo(photoId(rest[0], url), 'page', who[0], who[1]);
  }
  var sub = rest[0].toLowerCase();
  if (own(OWNER_SUBKINDS, sub) !== undefined && rest.length > 1 && !/^page[0-9]+$/.test(rest[1].toLowerCase())) throw unsupported(own(OWNER_SUBKINDS, sub), url);
  return { kind: 'user', photo_id: null, owner: who[0], owner_is_nsid: who[1], form: 'account' };
}
function parsePage(parts, query, url) {
  var params = parseQs(query);
  if (!parts.length) throw new UrlError("Flickr's home page names no photo or account: " + repr(url));
  var head = parts[0].toLowerCase();
  if (GNE_PHOTO_RE.test(head) && parts.length === 1) {
    if (params.has('id')) return photo(photoId(params.get('id')[0].trim(), url), 'gne');
    if (params.has('short') && head === 'photo.gne') return photo(base58(params.get('short')[0].trim()), 'gne');
    throw new UrlError(parts[0] + ' link without a photo id (id=…): ' + repr(url));
  }
  if (head === 'apps' && parts[1] === 'video' && parts[2] === 'stewart.swf' && parts.length === 3) {
    if (params.has('photo_id')) return photo(photoId(params.get('photo_id')[0].trim(), url), 'video');
    throw new UrlError('video player link without a photo_id: ' + repr(url));
  }
  if (head === 'short_urls.gne') throw needsApi('a short_urls.gne link', url);
  if (head === 'gp' && parts.length >= 2) throw needsApi('a guest-pass link', url);
  if ((head === 'photos' || head === 'people') && parts.length >= 2) return ownerPage([head].concat(parts.slice(1)), url, head === 'photos' ? 'page' : 'people');
  if (head === 'photo' && parts.length >= 3 && PHOTO_ID_RE.test(parts[2])) {
    var who = owner(parts[1], url);
    return photo(photoId(parts[2], url), 'page', who[0], who[1]);
  }
  if (own(TOP_KINDS, head) !== undefined) throw unsupported(own(TOP_KINDS, head), url);
  throw new UrlError('not a Flickr photo or account page (' + repr(parts[0]) + ' pages are not read): ' + repr(url));
}
function parseStatic(parts, url) {
  if (parts.length >= 2 && parts[0].toLowerCase() === 'video') return photo(photoId(parts[1], url), 'video');
  if (parts.length < 1 || parts.length > 3 || !parts.slice(0, -1).every(function (p) { return /^[0-9]+$/.test(p); })) {
    throw new UrlError('Flickr file link with an unexpected path (not /<server>/<id>_<secret>.jpg): ' + repr(url));
  }
  var match = FILE_RE.exec(parts[parts.length - 1]);
  if (!match) throw new UrlError('Flickr file name is not <id>_<secret>[_size][_d].<ext>: ' + repr(url));
  return photo(photoId(match[1], url), VIDEO_EXT.test(match[5]) ? 'video' : 'static');
}
function parseFileName(name) {
  var text = stripPunctuation(name), match = BARE_FILE_RE.exec(text);
  if (!match) throw new UrlError('file name ' + repr(text) + ' is not a Flickr file name (<photo id>_<10-digit secret>[_size][_d].<ext>)');
  return photo(photoId(match[1], text), 'file');
}
function hostPart(text) { return text.split(/[\/?#]/)[0].replace(/:[0-9]*$/, '').replace(/\.+$/, ''); }
function splitUrl(text) {
  var m = /^([a-z][a-z0-9+.-]*):\/\/([^\/?#]*)([^?#]*)(?:\?([^#]*))?(?:#([\s\S]*))?$/i.exec(text);
  var authority = m[2], at = authority.lastIndexOf('@');
  var hostport = at >= 0 ? authority.slice(at + 1) : authority, host = hostport, port = '';
  var colon = hostport.lastIndexOf(':');
  if (hostport[0] !== '[' && colon >= 0) { host = hostport.slice(0, colon); port = hostport.slice(colon + 1); }
  if (port && (!/^[0-9]+$/.test(port) || Number(port) > 65535)) throw new UrlError('malformed URL ' + repr(text) + ': Port out of range 0-65535');
  return { scheme: m[1], host: host.toLowerCase().replace(/\.+$/, ''), path: m[3] || '', query: m[4] || '', fragment: m[5] || '' };
}
function parseFlickrUrl(url) {
  var text = stripPunctuation(url);
  if (!text) throw new UrlError('empty URL');
  if (/[\s\x00-\x1f\x7f]/.test(text)) throw new UrlError('a link cannot hold spaces or control characters: ' + repr(text));
  var scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text);
  if (text.slice(0, 2) === '//') text = 'https:' + text;
  else if (scheme && text.slice(scheme[0].length, scheme[0].length + 2) === '//') { /* has a scheme */ }
  else if (FLICKR_HOST_RE.test(hostPart(text))) text = 'https://' + text;
  else if (scheme && /^https?$/i.test(scheme[1])) throw new UrlError('malformed URL (no // after ' + scheme[1] + ':): ' + repr(url));
  else if (FILE_NAME_RE.test(text)) return parseFileName(text);
  else throw new UrlError('not a Flickr link: ' + repr(text));
  var split = splitUrl(text), host = split.host;
  if (!/^https?$/i.test(split.scheme)) throw new UrlError('not an http(s) link: ' + repr(text));
  var parts;
  try { parts = split.path.split('/').filter(Boolean).map(function (p) { return unquote(p); }); } catch (err) {
    throw new UrlError('malformed percent-encoding in ' + repr(text));
  }
  if (PAGE_HOSTS.indexOf(host) >= 0) {
    var query = split.query;
    if (!parts.length && split.fragment[0] === '/') {
      var inner = /^([^?#]*)(?:\?([^#]*))?/.exec(split.fragment);
      parts = inner[1].split('/').filter(Boolean);
      query = inner[2] || '';
    }
    return parsePage(parts, query, text);
  }
  if (host === 'embedr.flickr.com') {
    if (parts.length === 2 && parts[0] === 'photos') return photo(photoId(parts[1], text), 'page');
    if (parts.length === 2 && parts[0] === 'photostreams') {
      var streamer = owner(parts[1], text);
      return { kind: 'user', photo_id: null, owner: streamer[0], owner_is_nsid: streamer[1], form: 'account' };
    }
    throw new UrlError('embedr.flickr.com link is not a photo or photostream embed: ' + repr(text));
  }
  if (SHORT_HOSTS.indexOf(host) >= 0) {
    var kind = parts[0] || '';
    if (kind === 'p' && parts.length === 2) return photo(base58(parts[1]), 'short');
    if (kind === 'ps') throw needsApi('an account short link (flic.kr\/ps\/…)', text);
    if (['s', 'y', 'g', 'gp'].indexOf(kind) >= 0) throw unsupported({ s: 'album', y: 'gallery', g: 'group', gp: 'group' }[kind], text);
    throw new UrlError('flic.kr link is not a photo short link (/p/<code>): ' + repr(text));
  }
  if (STATIC_HOST_RE.test(host)) return parseStatic(parts, text);
  if (FLICKR_HOST_RE.test(host)) throw new UrlError(host + ' serves no photo or account pages: ' + repr(text));
  throw new UrlError('not a Flickr URL (host ' + (host || 'missing') + '): ' + repr(text));
}
function looksLikeLink(token) {
  var text = stripPunctuation(token);
  if (!text) return false;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text) || text.slice(0, 2) === '//' || text.toLowerCase().slice(0, 4) === 'www.') return true;
  if (/^https?:/i.test(text)) return true;
  var host = /^(?:[a-z0-9-]+\.)+([a-z]{2,})(?::[0-9]+)?([\/?#][\s\S]*)?$/i.exec(text);
  if (host && (host[2] || COMMON_TLDS.indexOf(host[1].toLowerCase()) >= 0 || FLICKR_HOST_RE.test(hostPart(text)))) return true;
  if (/^[^@\s]+@[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(text)) return true;
  return FILE_NAME_RE.test(text);
}
var EMBEDDED_LINK_RE = /(?:https?:\/\/|(?<![a-z0-9.-])(?:[a-z0-9-]+\.)*(?:flickr\.com|staticflickr\.com|flic\.kr)\/)/i;
var LINKISH_RE = /:\/\/|flickr\.com|flickr\.net|flic\.kr/i;
function readToken(token, inProse) {
  var text = stripPunctuation(token);
  if (!text) return null;
  var embedded = looksLikeLink(text) ? null : EMBEDDED_LINK_RE.exec(text);
  if (embedded && embedded.index > 0) text = stripPunctuation(text.slice(embedded.index));
  if (NSID_RE.test(text)) return { text: text, ref: { kind: 'user', photo_id: null, owner: text.toUpperCase(), owner_is_nsid: true, form: 'nsid' } };
  try {
    if (PHOTO_ID_RE.test(text)) {
      if (inProse && text.length < 6) return null;
      return { text: text, ref: photo(photoId(text, 'input'), 'id') };
    }
    if (looksLikeLink(text)) return { text: text, ref: parseFlickrUrl(text) };
  } catch (err) {
    if (err instanceof UrlError) return { text: text, error: err.message, error_kind: err.kind, unsupported: err.extra || null };
    throw err;
  }
  return null;
}
function readText(raw) {
  var stripped = String(raw).trim().replace(/^\ufeff+/, '');
  if (!stripped) return [];
  var tokens = stripped.match(/[^\s<>"\[\](){}\u00ab\u00bb\u201c\u201d]+/g) || [];
  var inProse = tokens.length > 1, found = [];
  tokens.forEach(function (token) { var item = readToken(token, inProse); if (item) found.push(item); });
  if (found.length) return found;
  if (LINKISH_RE.test(stripped)) return [{ text: stripped, error: 'holds something like a Flickr link, but no link in it could be read', error_kind: 'error' }];
  if (/[\x00-\x08\x0b-\x1f\x7f]/.test(stripped)) return [{ text: stripped, error: 'a name cannot hold control characters', error_kind: 'error' }];
  return [{ text: stripped, name: stripped.split(/\s+/).join(' ') }];
}
function label(item) {
  var ref = item.ref;
  if (!ref) return item.name !== undefined ? 'the name ' + repr(item.name) + ' (username, nickname or path alias)' : 'unreadable';
  if (ref.kind === 'photo') return 'photo ' + ref.photo_id + ' (' + (own(FORM_LABELS, ref.form) || ref.form) + ')';
  var form = ref.form === 'page' ? 'account' : ref.form;  // /photos/<owner>/ is the account's page
  return 'account ' + ref.owner + ' (' + (ref.owner_is_nsid ? 'NSID' : 'path alias') + ', ' + (own(FORM_LABELS, form) || form) + ')';
}
return { readText: readText, parseFlickrUrl: parseFlickrUrl, label: label, UrlError: UrlError, NSID_RE: NSID_RE, ALIAS_RE: ALIAS_RE, repr: repr };
});
