// Any other path: an unsupported API version, a missing version, or no such resource.
// The name sorts last, so the Functions host tries every DICOMweb route first.
import { registerFunction } from '../shared/http/routeTable';
import { unmatchedRoute as answer } from '../shared/http/unmatchedRoute';

export const unmatchedRoute = answer;

registerFunction({
  name: 'zzUnmatchedRoute',
  route: '{*path}',
  methods: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD'],
  handler: unmatchedRoute,
});
