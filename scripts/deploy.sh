#!/usr/bin/env bash
# One command from a clone to a running service (docs/deploy.md): packages the app, provisions
# infra/main.bicep in a resource group and publishes the zip to the Function App it made.
#
#   AZURE_RESOURCE_GROUP=rg-dicomweb AZURE_LOCATION=westeurope \
#   AUTH_AUDIENCES="api://<client-id>" scripts/deploy.sh
#
# Environment:
#   AZURE_RESOURCE_GROUP         required; created (or updated) in AZURE_LOCATION when that is set
#   AZURE_LOCATION               region of the group, one that offers Flex Consumption
#   AUTH_AUDIENCES               required: the accepted token audiences (the app setting of that name)
#   AUTH_TENANT_ID               default: the signed-in tenant
#   AUTH_ROLE_MAP                default: none
#   DICOM_CORS_ALLOWED_ORIGINS   default: no CORS
#   DICOM_APP_NAME               Function App name; default: dicomweb-<hash of the group>
# Needs the Azure CLI (signed in), npm and zip.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ZIP="$ROOT/dist-package/dicomweb-functions.zip"
DEPLOYMENT=dicomweb-functions
# New role assignments can take minutes to apply; until then the platform cannot store the package
# with the app's identity and publishing fails.
PUBLISH_ATTEMPTS=5
PUBLISH_RETRY_SECONDS=60

fail() {
  echo "deploy: $*" >&2
  exit 1
}

: "${AZURE_RESOURCE_GROUP:?set AZURE_RESOURCE_GROUP (and AZURE_LOCATION to create it)}"
: "${AUTH_AUDIENCES:?set AUTH_AUDIENCES: the Application ID URI and/or client id of the API app registration}"
command -v az >/dev/null || fail "the Azure CLI (az) is missing"
az account show >/dev/null || fail "sign in first: az login"

bash "$ROOT/scripts/package.sh"

if [ -n "${AZURE_LOCATION:-}" ]; then
  az group create --name "$AZURE_RESOURCE_GROUP" --location "$AZURE_LOCATION" --output none
else
  az group show --name "$AZURE_RESOURCE_GROUP" --output none ||
    fail "resource group $AZURE_RESOURCE_GROUP not found: set AZURE_LOCATION to create it"
fi

params=("authAudiences=$AUTH_AUDIENCES")
if [ -n "${AUTH_TENANT_ID:-}" ]; then params+=("authTenantId=$AUTH_TENANT_ID"); fi
if [ -n "${AUTH_ROLE_MAP:-}" ]; then params+=("authRoleMap=$AUTH_ROLE_MAP"); fi
if [ -n "${DICOM_CORS_ALLOWED_ORIGINS:-}" ]; then params+=("corsAllowedOrigins=$DICOM_CORS_ALLOWED_ORIGINS"); fi
if [ -n "${DICOM_APP_NAME:-}" ]; then params+=("appName=$DICOM_APP_NAME"); fi

echo "deploy: provisioning infra/main.bicep in $AZURE_RESOURCE_GROUP"
az deployment group create --resource-group "$AZURE_RESOURCE_GROUP" --name "$DEPLOYMENT" \
  --template-file "$ROOT/infra/main.bicep" --parameters "${params[@]}" --output none
output() {
  az deployment group show --resource-group "$AZURE_RESOURCE_GROUP" --name "$DEPLOYMENT" \
    --query "properties.outputs.$1.value" --output tsv
}
app="$(output functionAppName)"
url="$(output functionAppUrl)"

echo "deploy: publishing $ZIP to $app"
for attempt in $(seq "$PUBLISH_ATTEMPTS"); do
  if az functionapp deployment source config-zip --resource-group "$AZURE_RESOURCE_GROUP" --name "$app" \
    --src "$ZIP" --output none; then
    break
  fi
  [ "$attempt" -lt "$PUBLISH_ATTEMPTS" ] || fail "publishing failed $PUBLISH_ATTEMPTS times"
  echo "deploy: publishing failed (attempt $attempt); retrying in $PUBLISH_RETRY_SECONDS s" >&2
  sleep "$PUBLISH_RETRY_SECONDS"
done

echo "deploy: done. $url (check: curl $url/health)"
