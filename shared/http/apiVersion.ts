/** The REST API versions served, as path prefixes (`/v1/...`, `/v2/...`), as the Azure DICOM service does. */
export const API_VERSIONS = ['v1', 'v2'] as const;
export type ApiVersion = (typeof API_VERSIONS)[number];
