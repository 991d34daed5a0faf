// infra/main.bicep against the code, read as text (the Bicep CLI cannot be installed here; see
// docs/deploy.md). Adding a setting to the deployed code without adding it to the template, or an
// allow-list below with its reason, fails here.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { appSettings, block, onlyResource, property, resources, variables, withoutComments } from './bicepText';
import { scanSettings } from './settingScan';

const ROOT = path.resolve(__dirname, '../../..');
const TEMPLATE = withoutComments(readFileSync(path.join(ROOT, 'infra', 'main.bicep'), 'utf8'));
/** What is deployed: the entry point and what it loads. host/ is the local host and never deployed. */
const DEPLOYED_SOURCES = ['index.ts', 'functions', 'shared'].map((part) => path.join(ROOT, part));

/** Read by the Functions host or the platform rather than by our code; the template must set them. */
const PLATFORM_SETTINGS = [
  'AzureWebJobsStorage__accountName',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
  'FUNCTIONS_REQUEST_BODY_SIZE_LIMIT',
];

/** Read by the code but meaningful only off Azure, so left unset (setting them would do no harm). */
const LOCAL_ONLY: Record<string, string> = {
  PORT: "the local host's port (npm start)",
  DICOMWEB_LISTEN_ADDRESS: "the local host's address (npm start)",
  DICOM_SEARCH_COST_HEADER: 'a diagnostic response header for the search benchmarks; off unless set',
  DICOM_TRACE_CONSOLE: 'prints traces to the console, for local runs; on Azure they go to Application Insights',
  DICOM_OPERATION_STALE_SECONDS:
    'shortens the stale-operation bound for tests of a killed runner; the default (60 s) is the deployed value',
  DICOM_LOCAL_PAUSE_AT: 'holds a PUT or the event publisher at a named point, for the crash tests; off unless set',
  DICOM_LOCAL_FEED_ALWAYS_STAGE:
    'makes every change-feed commit take the many-writers path, for tests and benchmarks on one process; off unless set',
  DICOM_DIAG_EVENT_LOOP:
    'an opt-in diagnostic log of event-loop delays for the hostile-input benchmarks; off unless set',
};

/** Never set by the template, whether the code reads them or not. */
const FORBIDDEN: Record<string, string> = {
  CORS_ALLOWED_ORIGINS: 'reserved by the Functions host; Flex Consumption writes its own JSON array into it',
  WEBSITE_AUTH_ENABLED: 'the platform sets it while App Service Authentication strips forged principal headers',
  DICOMWEB_LOCAL_HOST: 'marks the local host; on Azure it would stop the app.http registrations',
  DICOM_STORAGE_CONNECTION_STRING: 'a connection string carries an account key; the app uses the service URLs',
  AzureWebJobsStorage: 'the connection-string form (Azurite); the host uses AzureWebJobsStorage__accountName',
  FUNCTIONS_WORKER_RUNTIME: 'functionAppConfig.runtime replaces it on Flex Consumption',
  FUNCTIONS_EXTENSION_VERSION: 'functionAppConfig.runtime replaces it on Flex Consumption',
  WEBSITE_SITE_NAME: "set by the platform to the app's name (the service name in traces)",
  WEBSITE_HOSTNAME: "set by the platform to the app's host name (the events' serviceHostName)",
};

const ROLE = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
};

const vars = variables(TEMPLATE);
const storage = onlyResource(TEMPLATE, 'Microsoft.Storage/storageAccounts');
const site = onlyResource(TEMPLATE, 'Microsoft.Web/sites');
const settings = appSettings(site.body);

describe('infra/main.bicep app settings', () => {
  it('sets every setting the deployed code reads, apart from the documented exceptions', () => {
    const scan = scanSettings(DEPLOYED_SOURCES);
    assert.deepEqual(scan.unresolved, [], 'setting-name constants the scan could not resolve');
    // The scan itself works: one name of each form it must find.
    for (const known of ['DICOM_BLOB_SERVICE_URL', 'DICOM_MAX_REQUEST_BYTES', 'DICOMWEB_LOCAL_HOST']) {
      assert.ok(scan.names.has(known), `the scan missed ${known}`);
    }
    const missing = [...scan.names].filter((name) => !settings.has(name) && !LOCAL_ONLY[name] && !FORBIDDEN[name]);
    assert.deepEqual(missing.sort(), []);
  });

  it('sets the settings the Functions host reads', () => {
    assert.deepEqual(
      PLATFORM_SETTINGS.filter((name) => !settings.has(name)),
      [],
    );
  });

  it('never sets a reserved, local-host or key-bearing setting', () => {
    assert.deepEqual(
      Object.keys(FORBIDDEN).filter((name) => settings.has(name)),
      [],
    );
  });

  it('turns authentication on and reaches storage by URL with the identity', () => {
    assert.equal(settings.get('AUTH_ENABLED'), "'true'");
    assert.equal(settings.get('DICOM_BLOB_SERVICE_URL'), `${storage.symbol}.properties.primaryEndpoints.blob`);
    assert.equal(settings.get('DICOM_TABLE_SERVICE_URL'), `${storage.symbol}.properties.primaryEndpoints.table`);
    assert.equal(settings.get('AzureWebJobsStorage__accountName'), `${storage.symbol}.name`);
  });

  it('keeps the host body limit above the app limit of 256 MiB', () => {
    const appLimit = numberSetting('DICOM_MAX_REQUEST_BYTES');
    assert.equal(appLimit, 256 * 1024 * 1024);
    assert.ok(numberSetting('FUNCTIONS_REQUEST_BODY_SIZE_LIMIT') > appLimit);
  });
});

describe('queue trigger connections', () => {
  it('every queue trigger names a connection the template sets identity-based', () => {
    const functions = path.join(ROOT, 'functions');
    const connections = new Set<string>();
    for (const file of readdirSync(functions).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(path.join(functions, file), 'utf8');
      if (!text.includes('app.storageQueue(')) continue;
      for (const match of text.matchAll(/connection:\s*'([^']+)'/g)) connections.add(match[1] as string);
    }
    assert.deepEqual([...connections], ['AzureWebJobsStorage']);
    for (const connection of connections) {
      assert.ok(
        settings.has(`${connection}__accountName`) || settings.has(`${connection}__queueServiceUri`),
        `${connection}__accountName or __queueServiceUri`,
      );
    }
  });
});

describe('infra/main.bicep resources', () => {
  it('makes a storage account that refuses shared keys, old TLS and anonymous reads', () => {
    assert.equal(property(storage.body, 'allowSharedKeyAccess'), 'false');
    assert.equal(property(storage.body, 'minimumTlsVersion'), "'TLS1_2'");
    assert.equal(property(storage.body, 'allowBlobPublicAccess'), 'false');
  });

  it("grants the app's identity exactly the storage data roles the code and the host need, on the account", () => {
    const granted = roleAssignments().filter((assignment) => assignment.scope === storage.symbol);
    const expected = [
      ROLE.storageBlobDataContributor,
      ROLE.storageTableDataContributor,
      ROLE.storageQueueDataContributor,
      ROLE.storageBlobDataOwner,
    ];
    assert.deepEqual(granted.map((assignment) => assignment.role).sort(), expected.sort());
    for (const assignment of granted) assert.equal(assignment.principal, `${site.symbol}.identity.principalId`);
  });

  it('lets the identity send telemetry to its Application Insights', () => {
    const insights = onlyResource(TEMPLATE, 'Microsoft.Insights/components');
    assert.equal(property(insights.body, 'DisableLocalAuth'), 'true');
    const publisher = roleAssignments().filter((assignment) => assignment.scope === insights.symbol);
    assert.deepEqual(
      publisher.map((assignment) => [assignment.role, assignment.principal]),
      [[ROLE.monitoringMetricsPublisher, `${site.symbol}.identity.principalId`]],
    );
  });

  it('runs on Flex Consumption with Node and an identity-based deployment container', () => {
    const plan = onlyResource(TEMPLATE, 'Microsoft.Web/serverfarms');
    assert.equal(property(block(plan.body, 'sku'), 'name'), "'FC1'");
    assert.equal(property(block(plan.body, 'sku'), 'tier'), "'FlexConsumption'");
    assert.equal(property(site.body, 'kind'), "'functionapp,linux'");
    assert.equal(property(block(site.body, 'identity'), 'type'), "'SystemAssigned'");
    const config = block(site.body, 'functionAppConfig');
    assert.equal(property(block(config, 'runtime'), 'name'), "'node'");
    assert.equal(property(block(config, 'authentication'), 'type'), "'SystemAssignedIdentity'");
    const scale = block(config, 'scaleAndConcurrency');
    assert.equal(property(scale, 'instanceMemoryMB'), 'instanceMemoryMB');
    assert.equal(property(scale, 'maximumInstanceCount'), 'maximumInstanceCount');
  });
});

interface RoleAssignment {
  readonly scope: string | undefined;
  readonly principal: string | undefined;
  readonly role: string | undefined;
}

function roleAssignments(): RoleAssignment[] {
  return resources(TEMPLATE)
    .filter((resource) => resource.type === 'Microsoft.Authorization/roleAssignments')
    .map((resource) => {
      const definition = property(resource.body, 'roleDefinitionId') ?? '';
      const argument = /,\s*([^)]+)\)$/.exec(definition)?.[1]?.trim() ?? '';
      return {
        scope: property(resource.body, 'scope'),
        principal: property(resource.body, 'principalId'),
        role: unquote(vars.get(argument) ?? argument),
      };
    });
}

/** A setting written as `string(someVar)` with `var someVar = <integer>`. */
function numberSetting(name: string): number {
  const expression = settings.get(name) ?? '';
  const variable = /^string\((\w+)\)$/.exec(expression)?.[1];
  const value = Number(variable === undefined ? unquote(expression) : vars.get(variable));
  assert.ok(Number.isSafeInteger(value), `${name} is not an integer: ${expression}`);
  return value;
}

function unquote(expression: string): string {
  return /^'(.*)'$/.exec(expression)?.[1] ?? expression;
}
