// The DICOMweb Functions app on Flex Consumption, with no secret anywhere: the app, the Functions
// host and the deployment reach storage with the app's managed identity (the account refuses
// shared keys), and telemetry is sent with Entra ID. scripts/deploy.sh provisions this and
// publishes `npm run package`'s zip; docs/deploy.md describes the parameters.
// test/deploy/template.test.ts checks this file against the settings the code reads.

// At most 55 characters: 'plan-' and the name must fit the plan name's limit of 60.
@description('Name of the Function App (<name>.azurewebsites.net, globally unique); the other resources are named after it.')
@minLength(2)
@maxLength(55)
param appName string = 'dicomweb-${uniqueString(resourceGroup().id)}'

param location string = resourceGroup().location

@description('Directory (tenant) whose Entra ID tokens the app accepts (AUTH_TENANT_ID).')
param authTenantId string = tenant().tenantId

@description('Comma-separated accepted token audiences (AUTH_AUDIENCES): the API app registration\'s Application ID URI and/or client id. Required: without it the app answers 503.')
@minLength(1)
param authAudiences string

@description('JSON object from Entra object id to DicomDataOwner or DicomDataReader, for tokens without app roles (AUTH_ROLE_MAP). Empty: none.')
param authRoleMap string = ''

@description('Comma-separated accepted token issuers (AUTH_ISSUERS). Empty: the tenant\'s two public-cloud issuers.')
param authIssuers string = ''

@description('URL of the tenant\'s signing keys (AUTH_JWKS_URL). Empty: the tenant\'s public-cloud key set.')
param authJwksUrl string = ''

@description('Comma-separated browser origins allowed to call the service, e.g. an OHIF viewer (DICOM_CORS_ALLOWED_ORIGINS). Empty: no CORS.')
param corsAllowedOrigins string = ''

@description('Public base URL of the service when a gateway or custom domain fronts it, e.g. https://dicom.example.org (DICOM_PUBLIC_BASE_URL); STOW RetrieveURLs start with it. Empty: the request\'s own scheme and host.')
param publicBaseUrl string = ''

@description('Event Grid topic endpoint for DICOM events, e.g. https://{topic}.{region}-1.eventgrid.azure.net/api/events (DICOM_EVENTGRID_TOPIC_ENDPOINT); the app\'s identity needs EventGrid Data Sender on it. Empty: events go to the dicom-events Storage Queue.')
param eventGridTopicEndpoint string = ''

@description('The `topic` field of DICOM events (DICOM_EVENTS_TOPIC), e.g. a resource ID. Empty: the service host name.')
param eventsTopic string = ''

@description('Extra Storage Queues taking only matching DICOM events (DICOM_EVENTS_FILTERED_QUEUES), e.g. ct-events?Modality=CT. Empty: none.')
param eventsFilteredQueues string = ''

@description('Record study, series and instance UIDs in request traces (DICOM_TELEMETRY_UIDS). Patient names and IDs are never recorded.')
param telemetryUids bool = true

@description('Data partitions (DICOM_DATA_PARTITIONS_ENABLED): every data route also under /partitions/{name}, and required there. Once named partitions exist it cannot be turned off again (docs/partitions.md).')
param dataPartitionsEnabled bool = false

@description('Blob container for DICOM files and metadata (DICOM_BLOB_CONTAINER); the app creates it on first use.')
param blobContainerName string = 'dicomweb'

@description('Prefix of every table name (DICOM_TABLE_PREFIX); the app creates its tables on first use.')
param tablePrefix string = 'dicom'

@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param storageSku string = 'Standard_LRS'

@allowed([
  '20'
  '22'
])
param nodeVersion string = '22'

@description('Most instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@allowed([
  2048
  4096
])
param instanceMemoryMB int = 2048

// Largest STOW request the app accepts (256 MiB). Above it the app answers 413 and says what to do.
var maxRequestBytes = 268435456
// The host's own body limit (300 MiB). Kept above the app's, so a request the app refuses reaches it
// and gets its clear 413 rather than the host's bare 500.
var hostRequestBodyLimitBytes = 314572800

// Lower case letters and digits, 3 to 24 characters: 'st' and a 13-character hash.
var storageAccountName = 'st${uniqueString(resourceGroup().id, appName)}'
// Where Flex Consumption keeps the published zip.
var packageContainerName = 'app-package'

// Built-in role definitions (learn.microsoft.com/azure/role-based-access-control/built-in-roles).
var storageBlobDataOwnerRole = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
var storageBlobDataContributorRole = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
var storageTableDataContributorRole = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
var storageQueueDataContributorRole = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
var monitoringMetricsPublisherRole = '3913510d-42f4-4e42-8a64-420c390055eb'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageAccountName
  location: location
  kind: 'StorageV2'
  sku: {
    name: storageSku
  }
  properties: {
    // No account keys and no key-signed SAS: every caller uses Entra ID, so no connection string
    // exists that could leak.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    // DICOM files are patient data: never readable anonymously.
    allowBlobPublicAccess: false
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource packageContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: packageContainerName
}

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-${appName}'
  location: location
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-${appName}'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
    // Ingestion only with Entra ID: the connection string alone cannot write telemetry.
    DisableLocalAuth: true
  }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-${appName}'
  location: location
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true // Linux
  }
}

// No platform CORS (siteConfig.cors) on purpose: the platform would answer preflights before the app,
// which has its own CORS (DICOM_CORS_ALLOWED_ORIGINS). FUNCTIONS_WORKER_RUNTIME and
// FUNCTIONS_EXTENSION_VERSION are not app settings on Flex Consumption: functionAppConfig.runtime
// replaces them.
resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      appSettings: [
        // The host's own storage (keys, timer locks, diagnostic events) and the connection of the
        // operations queue triggers (connection: 'AzureWebJobsStorage'), reached with the managed
        // identity: the account name alone, from which the host derives the queue endpoint.
        {
          name: 'AzureWebJobsStorage__accountName'
          value: storage.name
        }
        {
          name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
          value: insights.properties.ConnectionString
        }
        // Send telemetry as the system-assigned identity (the resource refuses key-only ingestion).
        {
          name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
          value: 'Authorization=AAD'
        }
        {
          name: 'FUNCTIONS_REQUEST_BODY_SIZE_LIMIT'
          value: string(hostRequestBodyLimitBytes)
        }
        // The app's storage: service URLs reached with DefaultAzureCredential (the managed identity).
        {
          name: 'DICOM_BLOB_SERVICE_URL'
          value: storage.properties.primaryEndpoints.blob
        }
        {
          name: 'DICOM_TABLE_SERVICE_URL'
          value: storage.properties.primaryEndpoints.table
        }
        {
          name: 'DICOM_QUEUE_SERVICE_URL'
          value: storage.properties.primaryEndpoints.queue
        }
        {
          name: 'DICOM_EXPORT_ENABLED'
          value: 'true'
        }
        {
          name: 'DICOM_BLOB_CONTAINER'
          value: blobContainerName
        }
        {
          name: 'DICOM_TABLE_PREFIX'
          value: tablePrefix
        }
        {
          name: 'DICOM_DATA_PARTITIONS_ENABLED'
          value: string(dataPartitionsEnabled)
        }
        {
          name: 'DICOM_MAX_REQUEST_BYTES'
          value: string(maxRequestBytes)
        }
        // The next three are the code's defaults, written out so the deployed limits are visible and
        // can be tuned in the portal without a new build.
        {
          name: 'DICOM_MAX_HEADER_BYTES'
          value: '16777216'
        }
        {
          name: 'DICOM_MAX_PARTS'
          value: '10000'
        }
        {
          name: 'DICOM_STORE_LEASE_SECONDS'
          value: '30'
        }
        // Authentication is explicit rather than left to the deployed default.
        {
          name: 'AUTH_ENABLED'
          value: 'true'
        }
        {
          name: 'AUTH_TENANT_ID'
          value: authTenantId
        }
        {
          name: 'AUTH_AUDIENCES'
          value: authAudiences
        }
        {
          name: 'AUTH_ROLE_MAP'
          value: authRoleMap
        }
        {
          name: 'AUTH_ISSUERS'
          value: authIssuers
        }
        {
          name: 'AUTH_JWKS_URL'
          value: authJwksUrl
        }
        {
          name: 'AUTH_JWKS_COOLDOWN_SECONDS'
          value: '30'
        }
        // This template puts no App Service Authentication in front of the app, so its header is never trusted.
        {
          name: 'AUTH_TRUST_EASY_AUTH'
          value: 'false'
        }
        // The app's CORS. Never CORS_ALLOWED_ORIGINS: the platform reserves that name and overwrites it.
        {
          name: 'DICOM_CORS_ALLOWED_ORIGINS'
          value: corsAllowedOrigins
        }
        {
          name: 'DICOM_PUBLIC_BASE_URL'
          value: publicBaseUrl
        }
        // Bulk import (docs/import.md): files dropped into a container of this account.
        {
          name: 'DICOM_IMPORT_ENABLED'
          value: 'true'
        }
        {
          name: 'DICOM_IMPORT_CONTAINER'
          value: 'dicom-import'
        }
        {
          name: 'DICOM_IMPORT_ERROR_CONTAINER'
          value: 'dicom-import-errors'
        }
        {
          name: 'DICOM_IMPORT_ERROR_QUEUE'
          value: 'dicom-import-errors'
        }
        {
          name: 'DICOM_IMPORT_MAX_FILES_PER_RUN'
          value: '500'
        }
        {
          name: 'DICOM_IMPORT_MAX_BYTES_PER_RUN'
          value: '8589934592'
        }
        {
          name: 'DICOM_IMPORT_CONCURRENCY'
          value: '8'
        }
        // DICOM events (docs/lifecycle.md): the change feed published to Event Grid or a queue.
        {
          name: 'DICOM_EVENTS_ENABLED'
          value: 'true'
        }
        {
          name: 'DICOM_EVENTS_QUEUE'
          value: 'dicom-events'
        }
        {
          name: 'DICOM_EVENTGRID_TOPIC_ENDPOINT'
          value: eventGridTopicEndpoint
        }
        {
          name: 'DICOM_EVENTS_TOPIC'
          value: eventsTopic
        }
        {
          name: 'DICOM_EVENTS_FILTERED_QUEUES'
          value: eventsFilteredQueues
        }
        // Request traces go to Application Insights (docs/observability.md); UIDs in them or not.
        {
          name: 'DICOM_TELEMETRY_UIDS'
          value: string(telemetryUids)
        }
      ]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${packageContainer.name}'
          authentication: {
            type: 'SystemAssignedIdentity'
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: nodeVersion
      }
    }
  }
}

// The DICOM code: reads, writes and deletes blobs, and creates its container on first use
// (shared/storage/provision.ts). Also what Flex needs to read the published zip.
resource blobDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, functionApp.id, storageBlobDataContributorRole)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributorRole)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// The DICOM code: instance records, search indexes and the change feed, and creating those tables.
// The host writes its diagnostic events to tables as well.
resource tableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, functionApp.id, storageTableDataContributorRole)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageTableDataContributorRole)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// The app's own queues (background operations, events) and the host's queue triggers.
resource queueDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, functionApp.id, storageQueueDataContributorRole)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataContributorRole)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// The Functions host with identity-based AzureWebJobsStorage: Microsoft documents Storage Blob Data
// Owner as the minimum for the host alone and for timer triggers (blob leases keep one run per
// schedule). The queue triggers of background operations use the Queue Data Contributor role above
// (reading, deleting and poisoning messages, creating the poison queue). On this one account Owner
// also covers the Blob Contributor role above; that one stays so the app's own need remains explicit.
resource blobDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, functionApp.id, storageBlobDataOwnerRole)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataOwnerRole)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// Telemetry with Entra ID (APPLICATIONINSIGHTS_AUTHENTICATION_STRING): the role is named for
// metrics but covers all telemetry.
resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(insights.id, functionApp.id, monitoringMetricsPublisherRole)
  scope: insights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisherRole)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

output functionAppName string = functionApp.name
output functionAppUrl string = 'https://${functionApp.properties.defaultHostName}'
output storageAccountName string = storage.name
