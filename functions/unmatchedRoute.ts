// Paths no DICOMweb route takes: an unsupported API version, a DICOMweb path without a version, a
// method the route does not have, or no such resource. Not one `{*path}` catch-all: the host
// matches function routes before its own `admin/warmup` (azure-functions-host
// src/WebJobs.Script.WebHost/WebScriptHostHttpRoutesManager.cs), which a catch-all would take.
// The names start with `zz`, so the host tries every other function first.
import type { HttpMethod } from '@azure/functions';
import { registerPlainRoute } from '../shared/http/routeTable';
import { UNVERSIONED_RESOURCES, unmatchedRoute } from '../shared/http/unmatchedRoute';

const EVERY_METHOD: HttpMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH'];

registerPlainRoute({
  functionName: 'zz-unmatched-version',
  route: 'v{version}/{*rest}',
  methods: EVERY_METHOD,
  handler: unmatchedRoute,
});

for (const resource of UNVERSIONED_RESOURCES) {
  registerPlainRoute({
    functionName: `zz-unversioned-${resource}`,
    route: `${resource}/{*rest}`,
    methods: EVERY_METHOD,
    handler: unmatchedRoute,
  });
}
