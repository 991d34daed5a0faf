// The background work of extended query tags: reindex (public operation) and index clean-up after a delete (internal).
import { reindexHandler } from '../shared/extendedQueryTags/reindexOperation';
import { tagCleanupHandler } from '../shared/extendedQueryTags/tagCleanupOperation';
import { registerOperationHandler } from '../shared/operations/operationRunner';

registerOperationHandler(reindexHandler);
registerOperationHandler(tagCleanupHandler);
