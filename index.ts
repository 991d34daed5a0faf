import { app } from '@azure/functions';

// Request bodies arrive as streams (library 4.3+, host 4.28+): DICOM uploads are never buffered whole.
app.setup({ enableHttpStream: true });
