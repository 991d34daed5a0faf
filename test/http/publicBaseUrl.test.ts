// The base of STOW RetrieveURLs: the configured DICOM_PUBLIC_BASE_URL, else the request's scheme and Host when plain.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../shared/config';
import { BadRequestError } from '../../shared/errors';
import { publicBaseUrl } from '../../shared/http/publicBaseUrl';

const STORAGE = { DICOM_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true', AUTH_ENABLED: 'false' };

test('a configured base URL wins over any Host', () => {
  assert.equal(
    publicBaseUrl('http://evil.example.com/v2/studies', 'https://dicom.example.org'),
    'https://dicom.example.org',
  );
  assert.equal(
    publicBaseUrl('http://a"b/v2/studies', 'https://dicom.example.org/api'),
    'https://dicom.example.org/api',
  );
});

test('without one, a plain host[:port] of the request gives its origin', () => {
  const cases: [string, string][] = [
    ['http://localhost:7071/v2/studies', 'http://localhost:7071'],
    ['https://dicomweb-abc.azurewebsites.net/v2/studies', 'https://dicomweb-abc.azurewebsites.net'],
    ['https://Dicom.Example.org:443/v1/studies/1.2', 'https://dicom.example.org'],
    ['http://127.0.0.1:8080/v2/studies', 'http://127.0.0.1:8080'],
    ['http://[::1]:7071/v2/studies', 'http://[::1]:7071'],
  ];
  for (const [url, origin] of cases) assert.equal(publicBaseUrl(url, undefined), origin, url);
});

test('a Host that is not a plain host name and port is a 400, whatever the URL parser would make of it', () => {
  for (const url of [
    'http://a"b/v2/studies',
    "http://a'b/v2/studies",
    'http://evil.example.com`<script>/v2/studies',
    'http://user@evil.example.com/v2/studies',
    'http://a%41b/v2/studies',
    'http://a..b/v2/studies',
    'http://a{b}/v2/studies',
    'http://host:99999/v2/studies',
    `http://${'a'.repeat(300)}/v2/studies`,
    'ftp://example.org/v2/studies',
    'not a url',
  ]) {
    assert.throws(
      () => publicBaseUrl(url, undefined),
      (error: unknown) =>
        error instanceof BadRequestError && error.code === 'InvalidHost' && /Host/.test(error.message),
      url,
    );
  }
});

test('DICOM_PUBLIC_BASE_URL: an http(s) URL, kept without its trailing slash; anything else is a configuration error', () => {
  const read = (value: string) => loadConfig({ ...STORAGE, DICOM_PUBLIC_BASE_URL: value }).store.publicBaseUrl;
  assert.equal(loadConfig(STORAGE).store.publicBaseUrl, undefined);
  assert.equal(read('https://dicom.example.org/'), 'https://dicom.example.org');
  assert.equal(read(' https://gw.example.org/dicom/ '), 'https://gw.example.org/dicom');
  for (const bad of [
    'dicom.example.org',
    'ftp://x.org',
    'https://u:p@x.org',
    'https://x.org/?a=1',
    'https://x.org/#f',
  ]) {
    assert.throws(() => read(bad), /DICOM_PUBLIC_BASE_URL must be an http\(s\) URL/, bad);
  }
});
