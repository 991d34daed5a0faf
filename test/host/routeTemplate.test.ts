import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IndexedHttpFunction } from '../../host/functionsHost/functionIndex';
import { compileRouteTemplate } from '../../shared/http/routeTemplate';
import { createRouter } from '../../host/router';

describe('compileRouteTemplate', () => {
  it('matches literals case-insensitively and tolerates one trailing slash', () => {
    const t = compileRouteTemplate('v1/studies');
    assert.deepEqual(t.match('/v1/studies'), {});
    assert.deepEqual(t.match('/V1/Studies/'), {});
    assert.equal(t.match('/v1/studies/x'), undefined);
    assert.equal(t.match('/v1/studiesx'), undefined);
    assert.equal(t.match('/v1'), undefined);
  });

  it('captures parameters raw, one segment each, ignoring constraints', () => {
    const t = compileRouteTemplate('v1/studies/{study}/series/{series:int}');
    assert.deepEqual(t.match('/v1/studies/1.2%2F3/series/9'), { study: '1.2%2F3', series: '9' });
    assert.equal(t.match('/v1/studies/1/2/series/9'), undefined);
    assert.equal(t.match('/v1/studies//series/9'), undefined);
  });

  it('leaves out an absent optional parameter and fills a default', () => {
    const optional = compileRouteTemplate('items/{id?}');
    assert.deepEqual(optional.match('/items'), {});
    assert.deepEqual(optional.match('/items/7'), { id: '7' });
    assert.deepEqual(compileRouteTemplate('pages/{n=1}').match('/pages'), { n: '1' });
  });

  it('takes the rest of the path, slashes included, in a catch-all', () => {
    const t = compileRouteTemplate('files/{*rest}');
    assert.deepEqual(t.match('/files/a/b/c.txt'), { rest: 'a/b/c.txt' });
    assert.deepEqual(t.match('/files'), {});
    assert.deepEqual(compileRouteTemplate('{**all}').match('/x/y'), { all: 'x/y' });
    assert.deepEqual(compileRouteTemplate('{*path}').match('/'), {});
  });

  it('splits a segment holding several parameters at the last literal', () => {
    assert.deepEqual(compileRouteTemplate('f/{name}.{ext}').match('/f/a.b.c'), { name: 'a.b', ext: 'c' });
  });

  it('escapes regular-expression characters in literals', () => {
    const t = compileRouteTemplate('a.b/c+d');
    assert.deepEqual(t.match('/a.b/c+d'), {});
    assert.equal(t.match('/axb/cd'), undefined);
  });
});

describe('createRouter (the host RouteCollection order)', () => {
  const fn = (name: string, route: string, methods: string[]): IndexedHttpFunction => ({
    id: name,
    name,
    route,
    methods,
    triggerName: 'httpTrigger',
  });

  it('lets the first function in order win, a parameter over a later literal', () => {
    const router = createRouter([fn('aParam', 'things/{id}', ['GET']), fn('bLiteral', 'things/new', ['GET'])]);
    const found = router.match('GET', '/things/new');
    assert.equal(found.kind, 'found');
    assert.equal(found.kind === 'found' && found.fn.name, 'aParam');
  });

  it('skips a function whose methods exclude the request and tries the next', () => {
    const router = createRouter([fn('a', 'things/{id}', ['DELETE']), fn('b', '{*path}', ['GET', 'POST'])]);
    const found = router.match('GET', '/things/1');
    assert.equal(found.kind === 'found' && found.fn.name, 'b');
  });

  it('answers not found when only the method is wrong, as the host does', () => {
    const router = createRouter([fn('a', 'things/{id}', ['DELETE']), fn('b', 'things/{id}', ['GET'])]);
    assert.deepEqual(router.match('POST', '/things/1'), { kind: 'notFound' });
  });

  it('answers not found, and bad request for malformed escapes', () => {
    const router = createRouter([fn('a', 'things/{id}', ['GET'])]);
    assert.deepEqual(router.match('GET', '/nothing'), { kind: 'notFound' });
    assert.equal(router.match('GET', '/things/%E0%A4%A').kind, 'badRequest');
  });

  it('decodes parameters, %2F included', () => {
    const found = createRouter([fn('a', 'things/{id}', ['GET'])]).match('GET', '/things/a%20b%2Fc');
    assert.deepEqual(found.kind === 'found' && found.params, { id: 'a b/c' });
  });

  it('serves every method for a function that names none (no method constraint)', () => {
    const router = createRouter([fn('a', 'x', [])]);
    assert.equal(router.match('POST', '/x').kind, 'found');
    assert.equal(router.match('PUT', '/x').kind, 'found');
  });

  it('matches a complex segment such as v{version}', () => {
    const found = createRouter([fn('a', 'v{version}/{*rest}', ['GET'])]).match('GET', '/v3/studies/1');
    assert.deepEqual(found.kind === 'found' && found.params, { version: '3', rest: 'studies/1' });
  });
});
